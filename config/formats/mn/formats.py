# Mongolian writes the year first ("2026 оны 12-р сарын 4"); Django has no datetime formats for Mongolian and
# would fall back to the US English ones.
DATE_FORMAT = "Y оны n-р сарын j"
SHORT_DATE_FORMAT = "Y.m.d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y оны n-р сарын j, H:i"
SHORT_DATETIME_FORMAT = "Y.m.d H:i"
