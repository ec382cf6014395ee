"""Words Django's own filters write, where Django's catalogs lack them or have them wrong.

Listed here, unchanged, so that makemessages puts them in our catalogs, which Django consults first
(LOCALE_PATHS):
- `filesizeformat` on the import batch and export job pages (Khmer said "351 bytes");
- the month names of the `E` date format ("alt. month"), which Kyrgyz dates use ("4 декабрь 2026 ж."):
  Django's Kyrgyz catalog capitalises them, as Kyrgyz does not inside a sentence, and its Mongolian one
  has the twelve animals of the lunar years in their place;
- the form fields' own refusals on the entity form (a date, a number out of range, a choice, an email, a
  geometry, a text too long): Django's Khmer catalog has none of them, its Thai and Mongolian ones lack
  some, so a Khmer researcher read "Ensure this value is greater than or equal to 0." beside a Khmer label.
"""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

FILE_SIZE_WORDS = (
    ngettext_lazy("%(size)d byte", "%(size)d bytes", "size"),
    gettext_noop("%s KB"),
    gettext_noop("%s MB"),
    gettext_noop("%s GB"),
)

MONTH_NAMES_IN_DATES = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)

FORM_FIELD_REFUSALS = (
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Invalid geometry value."),
    gettext_noop("Invalid geometry type."),
    gettext_noop("No geometry value provided."),
)
