"""The platform's rating scale for R193 assessments: what each rating means and how ratings compare.

Neither the ILO Guidelines for Cooperative Legislation nor the ICA Legal
Framework Analysis define a numeric scale (DOMAIN.md), so this scale is the
platform's own design choice, shown on every assessment page.
"""

from django.utils.translation import gettext_lazy as _

from .models import Rating

# What each rating means, as shown on the pages and in the brief (in the reader's language).
SCALE = [
    (Rating.ALIGNED, _("The instrument does what the provision asks; the articles cited show it.")),
    (
        Rating.PARTLY_ALIGNED,
        _("The instrument addresses the provision but falls short in part, or only for some cooperatives."),
    ),
    (Rating.NOT_ALIGNED, _("The instrument addresses the matter in a way that runs against the provision.")),
    (Rating.NOT_ADDRESSED, _("The instrument is silent on the matter.")),
    (
        Rating.NOT_APPLICABLE,
        _(
            "The provision does not concern this kind of instrument (e.g. a credit-union law and apex structures); "
            "left out of the share aligned."
        ),
    ),
]

# Rank used to say whether a provision improved or regressed between two
# instruments. Silence ranks above contradiction: a law that says nothing leaves
# room for good practice, a law that runs against R193 closes it. Not applicable
# has no rank: such a provision cannot improve or regress.
RANK = {
    Rating.ALIGNED: 3,
    Rating.PARTLY_ALIGNED: 2,
    Rating.NOT_ADDRESSED: 1,
    Rating.NOT_ALIGNED: 0,
}

# CSS class and spreadsheet fill of each rating (one palette for page, XLSX and PDF; colour-blind safe).
COLOURS = {
    Rating.ALIGNED: "1a9850",
    Rating.PARTLY_ALIGNED: "a6d96a",
    Rating.NOT_ALIGNED: "d73027",
    Rating.NOT_ADDRESSED: "fdae61",
    Rating.NOT_APPLICABLE: "bdbdbd",
}
UNRATED_COLOUR = "ffffff"


def scale_rows():
    """(value, label, meaning, colour) for the legend of the scale."""
    return [(rating.value, rating.label, meaning, COLOURS[rating]) for rating, meaning in SCALE]
