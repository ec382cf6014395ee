# Django's Vietnamese date begins with a capital "Ngày", which reads wrongly inside a sentence ("từ Ngày 04 ...").
DATE_FORMAT = r"j \t\há\n\g n \nă\m Y"
DATETIME_FORMAT = r"H:i, j \t\há\n\g n \nă\m Y"
