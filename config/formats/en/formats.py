# The ILO's English: day month year ("4 December 2026"), 24-hour times; not Django's US "Dec. 4, 2026, 7 p.m.".
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
