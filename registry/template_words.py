"""The ILC 2022 template definition's words, as fixtures/registry/ilc2022_template.json stores them.

Each country's first working definition is built from that template in English. Listed here, unchanged, so that
makemessages puts them in the catalogs: pages show a definition's title, text and criteria through
`template_words`, which gives the reader's language while the stored text is still the template's, and the
text as stored once a country has edited it (an edited text is no longer a catalogued message).
"""

from django.utils.translation import pgettext, pgettext_lazy

CONTEXT = "ILC 2022 template"

TEMPLATE_WORDS = (
    pgettext_lazy(
        "ILC 2022 template",
        "TEMPLATE built from the ILC 2022 definition of the SSE (not a national text)",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "TEMPLATE — a starting point built from the resolution concerning decent work and the social and "
        "solidarity economy of the International Labour Conference, 110th Session (2022). It is NOT the "
        "country's adopted national working definition: edit it, have it reviewed by the national "
        "advisory committee and adopt your own version.\n\nThe SSE encompasses enterprises, organizations "
        "and other entities that are engaged in economic, social and environmental activities to serve "
        "the collective and/or general interest, which are based on the principles of voluntary "
        "cooperation and mutual aid, democratic and/or participatory governance, autonomy and "
        "independence, and the primacy of people and social purpose over capital in the distribution and "
        "use of surpluses and/or profits as well as assets. SSE entities aspire to long-term viability "
        "and sustainability, and to the transition from the informal to the formal economy. Typical "
        "families: cooperatives, associations, mutual societies, foundations, social enterprises, "
        "self-help groups and other entities operating in accordance with these values and principles.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Carries out economic, social or environmental activities in the collective and/or general interest.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Membership or participation is voluntary, and members cooperate and help one another.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Members or stakeholders control the entity democratically and/or participate in its decisions "
        "(e.g. one member, one vote).",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Is autonomous and independent of public authorities and other organizations in its governance and management.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Uses surpluses or profits mainly for its members, its social purpose or the general interest, "
        "not in proportion to capital held.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Its assets (at least partly) may not be distributed to members, including on dissolution.",
    ),
    pgettext_lazy(
        "ILC 2022 template",
        "Aspires to long-term viability and to formality (registered, or moving from the informal to the "
        "formal economy).",
    ),
)


def template_words(text):
    """`text` in the reader's language if it is the template's own words, else as stored."""
    return pgettext(CONTEXT, text) if text else text
