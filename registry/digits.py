"""Digits of other scripts, read as 0-9 where a number or a date is expected.

Thai (๒๕๔๕) and Khmer (២០០២) government lists often write numbers in their own digits; full-width ones
come from CJK input methods. Names and other text keep their digits as written: only number, date and
coordinate fields are read this way (the importer, exchange.importing; the entity form's date).
"""

import re

# The zero of each script's digits: Thai, Khmer, Lao, Myanmar, Arabic-Indic, Extended Arabic-Indic,
# Devanagari, Bengali, full-width.
_ZEROS = (0x0E50, 0x17E0, 0x0ED0, 0x1040, 0x0660, 0x06F0, 0x0966, 0x09E6, 0xFF10)

LOCAL_DIGITS = {zero + offset: str(offset) for zero in _ZEROS for offset in range(10)}
LOCAL_DIGIT = re.compile("[" + "".join(map(chr, LOCAL_DIGITS)) + "]")


def ascii_digits(text):
    """`text` with every digit of those scripts written 0-9."""
    return text.translate(LOCAL_DIGITS)
