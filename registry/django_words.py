"""Words Django's own filters write, for the languages Django's catalogs lack (Khmer said "351 bytes").

Listed here, unchanged, so that makemessages puts them in our catalogs, which Django consults first
(LOCALE_PATHS): `filesizeformat` on the import batch and export job pages.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

FILE_SIZE_WORDS = (
    ngettext_lazy("%(size)d byte", "%(size)d bytes", "size"),
    gettext_noop("%s KB"),
    gettext_noop("%s MB"),
    gettext_noop("%s GB"),
)
