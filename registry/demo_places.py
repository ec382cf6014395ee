"""Vocabulary of the synthetic demo registry: real towns, name parts per country, shares.

Town coordinates are the real town centres (lon, lat), so demo entities cluster
where real registries cluster. Names are built from the legal form's local
name, a line of activity and the town, in the country's own script, with a
romanized form beside them. Everything here describes *synthetic* data.
"""

# Share of the demo entities per country (Viet Nam and Thailand hold most, as real registries do).
COUNTRY_SHARES = {"VNM": 0.35, "THA": 0.33, "KHM": 0.12, "KGZ": 0.10, "MNG": 0.10}

# Spread around a town in degrees (standard deviation of the tight cluster);
# a fifth of the entities are rural, three times as spread out.
SPREAD_DEGREES = {"VNM": 0.10, "THA": 0.22, "KHM": 0.18, "MNG": 0.45, "KGZ": 0.15}

# (romanized / English name, local name, longitude, latitude, weight)
TOWNS = {
    "VNM": [
        ("Ha Noi", "Hà Nội", 105.8542, 21.0285, 10),
        ("Ho Chi Minh City", "Thành phố Hồ Chí Minh", 106.6297, 10.8231, 10),
        ("Hai Phong", "Hải Phòng", 106.6881, 20.8449, 4),
        ("Da Nang", "Đà Nẵng", 108.2022, 16.0544, 4),
        ("Can Tho", "Cần Thơ", 105.7469, 10.0452, 4),
        ("Hue", "Huế", 107.5909, 16.4637, 3),
        ("Hoi An", "Hội An", 108.3380, 15.8801, 2),
        ("Nha Trang", "Nha Trang", 109.1967, 12.2388, 3),
        ("Buon Ma Thuot", "Buôn Ma Thuột", 108.0378, 12.6667, 3),
        ("Da Lat", "Đà Lạt", 108.4583, 11.9404, 2),
        ("Vinh", "Vinh", 105.6813, 18.6796, 3),
        ("Thanh Hoa", "Thanh Hóa", 105.7769, 19.8067, 3),
        ("Thai Nguyen", "Thái Nguyên", 105.8442, 21.5928, 2),
        ("Lao Cai", "Lào Cai", 103.9750, 22.4856, 1),
        ("Dien Bien Phu", "Điện Biên Phủ", 103.0230, 21.3860, 1),
        ("Quy Nhon", "Quy Nhơn", 109.2196, 13.7820, 2),
        ("Long Xuyen", "Long Xuyên", 105.4352, 10.3860, 2),
        ("Ca Mau", "Cà Mau", 105.1524, 9.1768, 2),
        ("Pleiku", "Pleiku", 108.0000, 13.9833, 2),
        ("Nam Dinh", "Nam Định", 106.1683, 20.4200, 2),
    ],
    "THA": [
        ("Bangkok", "กรุงเทพมหานคร", 100.5018, 13.7563, 10),
        ("Chiang Mai", "เชียงใหม่", 98.9853, 18.7883, 5),
        ("Khon Kaen", "ขอนแก่น", 102.8236, 16.4419, 4),
        ("Nakhon Ratchasima", "นครราชสีมา", 102.0977, 14.9799, 4),
        ("Udon Thani", "อุดรธานี", 102.7877, 17.4138, 3),
        ("Ubon Ratchathani", "อุบลราชธานี", 104.8472, 15.2287, 3),
        ("Hat Yai", "หาดใหญ่", 100.4747, 7.0086, 3),
        ("Phitsanulok", "พิษณุโลก", 100.2659, 16.8211, 2),
        ("Nakhon Si Thammarat", "นครศรีธรรมราช", 99.9631, 8.4304, 2),
        ("Chiang Rai", "เชียงราย", 99.8325, 19.9105, 2),
        ("Surat Thani", "สุราษฎร์ธานี", 99.3215, 9.1382, 2),
        ("Nakhon Sawan", "นครสวรรค์", 100.1372, 15.7030, 2),
        ("Roi Et", "ร้อยเอ็ด", 103.6531, 16.0538, 2),
        ("Sakon Nakhon", "สกลนคร", 104.1486, 17.1545, 2),
        ("Buriram", "บุรีรัมย์", 103.1029, 14.9930, 2),
    ],
    "KHM": [
        ("Phnom Penh", "ភ្នំពេញ", 104.9282, 11.5564, 8),
        ("Siem Reap", "សៀមរាប", 103.8590, 13.3671, 4),
        ("Battambang", "បាត់ដំបង", 103.1982, 13.0957, 4),
        ("Kampong Cham", "កំពង់ចាម", 105.4635, 11.9934, 3),
        ("Takeo", "តាកែវ", 104.7850, 10.9908, 3),
        ("Kampot", "កំពត", 104.1814, 10.6104, 2),
        ("Prey Veng", "ព្រៃវែង", 105.3250, 11.4840, 3),
        ("Pursat", "ពោធិ៍សាត់", 103.9192, 12.5388, 2),
        ("Kampong Thom", "កំពង់ធំ", 104.8887, 12.7112, 2),
        ("Svay Rieng", "ស្វាយរៀង", 105.7991, 11.0879, 2),
        ("Kratie", "ក្រចេះ", 106.0167, 12.4881, 1),
        ("Banlung", "បានលុង", 106.9873, 13.7394, 1),
    ],
    "MNG": [
        ("Ulaanbaatar", "Улаанбаатар", 106.9057, 47.8864, 8),
        ("Erdenet", "Эрдэнэт", 104.0440, 49.0333, 2),
        ("Darkhan", "Дархан", 105.9228, 49.4867, 2),
        ("Choibalsan", "Чойбалсан", 114.5300, 48.0700, 1),
        ("Moron", "Мөрөн", 100.1625, 49.6342, 1),
        ("Khovd", "Ховд", 91.6419, 48.0056, 1),
        ("Olgii", "Өлгий", 89.9700, 48.9683, 1),
        ("Arvaikheer", "Арвайхээр", 102.7750, 46.2639, 1),
        ("Bayankhongor", "Баянхонгор", 100.7181, 46.1944, 1),
        ("Kharkhorin", "Хархорин", 102.8250, 47.1975, 1),
        ("Dalanzadgad", "Даланзадгад", 104.4167, 43.5667, 1),
        ("Sukhbaatar", "Сүхбаатар", 106.2000, 50.2333, 1),
        ("Uliastai", "Улиастай", 96.8444, 47.7417, 1),
        ("Mandalgovi", "Мандалговь", 106.2708, 45.7625, 1),
        ("Tsetserleg", "Цэцэрлэг", 101.4500, 47.4750, 1),
    ],
    "KGZ": [
        ("Bishkek", "Бишкек", 74.5698, 42.8746, 6),
        ("Osh", "Ош", 72.7985, 40.5283, 5),
        ("Jalal-Abad", "Жалал-Абад", 72.9870, 40.9333, 3),
        ("Karakol", "Каракол", 78.3936, 42.4907, 2),
        ("Tokmok", "Токмок", 75.2900, 42.8400, 2),
        ("Naryn", "Нарын", 75.9911, 41.4287, 1),
        ("Talas", "Талас", 72.2425, 42.5228, 1),
        ("Batken", "Баткен", 70.8190, 40.0625, 1),
        ("Kara-Balta", "Кара-Балта", 73.8500, 42.8167, 1),
        ("Uzgen", "Өзгөн", 73.3000, 40.7700, 2),
        ("Cholpon-Ata", "Чолпон-Ата", 77.0819, 42.6496, 1),
    ],
}

# Legal form code -> (weight, romanized local name). The local-script name comes
# from the LegalForm rows themselves (fixtures/registry/legal_forms.json).
LEGAL_FORM_MIX = {
    "VNM": {
        "cooperative_group": (40, "To hop tac"),
        "cooperative": (35, "Hop tac xa"),
        "union_of_cooperatives": (2, "Lien hiep hop tac xa"),
        "peoples_credit_fund": (5, "Quy tin dung nhan dan"),
        "social_enterprise": (5, "Doanh nghiep xa hoi"),
        "association": (13, "Hoi"),
    },
    "THA": {
        "cooperative": (20, "Sahakon"),
        "farmer_group": (10, "Klum Kasettrakon"),
        "community_enterprise": (50, "Wisahakit Chumchon"),
        "social_enterprise": (5, "Wisahakit Phuea Sangkhom"),
        "social_business_group": (3, "Klum Kitchakan Phuea Sangkhom"),
        "foundation": (6, "Mulanithi"),
        "association": (6, "Samakhom"),
    },
    "KHM": {
        "agricultural_cooperative": (55, "Sahakum Kasekam"),
        "union_of_agricultural_cooperatives": (3, "Sahaphoan Sahakum Kasekam"),
        "association": (22, "Samakum"),
        "ngo": (20, "Angkar Min Men Rodthaphibal"),
    },
    "MNG": {
        "cooperative": (55, "Khorshoo"),
        "savings_credit_cooperative": (15, "Khadgalamj Zeeliin Khorshoo"),
        "ngo": (20, "Toriin Bus Baiguullaga"),
        "partnership": (10, "Nokhorlol"),
    },
    "KGZ": {
        "cooperative": (50, "Kooperativ"),
        "credit_union": (20, "Kredittik Soyuz"),
        "noncommercial_organization": (30, "Kommertsiyalyk Emes Uyum"),
    },
}

# Lines of activity: (local, romanized, ISIC Rev.4 section).
ACTIVITIES = {
    "VNM": [
        ("Nông nghiệp", "Nong nghiep", "A"),
        ("Dịch vụ", "Dich vu", "S"),
        ("Thủy sản", "Thuy san", "A"),
        ("Chè", "Che", "A"),
        ("Dệt may", "Det may", "C"),
        ("Tín dụng", "Tin dung", "K"),
        ("Môi trường", "Moi truong", "E"),
        ("Du lịch cộng đồng", "Du lich cong dong", "I"),
    ],
    "THA": [
        ("การเกษตร", "Kan Kaset", "A"),
        ("ออมทรัพย์", "Om Sap", "K"),
        ("ประมง", "Pramong", "A"),
        ("ร้านค้า", "Ran Kha", "G"),
        ("ทอผ้า", "Tho Pha", "C"),
        ("ท่องเที่ยวชุมชน", "Thongthiao Chumchon", "I"),
    ],
    "KHM": [
        ("កសិកម្ម", "Kasekam", "A"),
        ("ស្រូវ", "Srov", "A"),
        ("នេសាទ", "Nesat", "A"),
        ("សន្សំ", "Sansam", "K"),
        ("ត្បាញ", "Tbanh", "C"),
    ],
    "MNG": [
        ("Малчдын", "Malchdyn", "A"),
        ("Хөдөө аж ахуйн", "Khodoo Aj Akhuin", "A"),
        ("Сүүний", "Suunii", "C"),
        ("Ноосны", "Noosny", "C"),
        ("Зээлийн", "Zeeliin", "K"),
    ],
    "KGZ": [
        ("Айыл чарба", "Aiyl Charba", "A"),
        ("Сүт", "Sut", "C"),
        ("Жайыт", "Jaiyt", "A"),
        ("Кредит", "Kredit", "K"),
        ("Кол өнөрчүлүк", "Kol Onorchuluk", "C"),
    ],
}

# Mongolian and Kyrgyz names put the place and activity before the form
# ("Хархорин малчдын хоршоо"); the others put the form first ("Hợp tác xã Nông nghiệp Hội An").
FORM_LAST = {"MNG", "KGZ"}

REGISTERING_AUTHORITY = {
    "VNM": "District finance-planning office",
    "THA": "Cooperative Promotion Department",
    "KHM": "Department of Agricultural Cooperative Promotion (MAFF)",
    "MNG": "General Authority for State Registration",
    "KGZ": "Ministry of Justice",
}

PHONE_PREFIX = {"VNM": "+84 9", "THA": "+66 8", "KHM": "+855 1", "MNG": "+976 9", "KGZ": "+996 5"}

STATUS_MIX = {"active": 75, "dormant": 12, "dissolved": 5, "unknown": 8}
VERIFICATION_MIX = {"unverified": 60, "verified": 35, "disputed": 5}
PRECISION_MIX = {"exact": 50, "village": 35, "district": 10, "province": 5}
