"""Date formats where Django's own are not what the platform's readers write (FORMAT_MODULE_PATH).

Templates name the formats (DATE_FORMAT, SHORT_DATE_FORMAT, SHORT_DATETIME_FORMAT), never a pattern, so
that every language shows dates its own way; only the overrides below differ from Django's locale files.
"""
