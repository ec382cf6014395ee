"""The point picker's words, as django-leaflet asks for them (its leaflet_draw_i18n tag calls gettext).

django-leaflet ships no Khmer, Kyrgyz, Mongolian, Thai or Vietnamese catalog, so its toolbar and tooltips
stayed English on the entity form. Listed here, unchanged, so that makemessages puts them in our catalogs,
which Django consults first (LOCALE_PATHS). Only the words the marker picker shows are listed.
"""

from django.utils.translation import gettext_noop

POINT_PICKER_WORDS = (
    gettext_noop("Reset view"),
    gettext_noop("Cancel drawing"),
    gettext_noop("Cancel"),
    gettext_noop("Draw a marker"),
    gettext_noop("Click map to place marker."),
    gettext_noop("Save changes."),
    gettext_noop("Save"),
    gettext_noop("Cancel editing, discards all changes."),
    gettext_noop("Edit layers"),
    gettext_noop("No layers to edit."),
    gettext_noop("Delete layers"),
    gettext_noop("No layers to delete."),
    gettext_noop("Drag handles, or marker to edit feature."),
    gettext_noop("Click cancel to undo changes."),
    gettext_noop("Click on a feature to remove"),
)
