"""The research-use statement people accept or decline. Change the version when the
text changes in substance, so each decision stays tied to the words it answered."""

CONSENT_VERSION = "2026-11"

CONSENT_STATEMENT = (
    "The research team may use what you write and how you react to findings on "
    "Dialogue in their analysis and reports. Quotes are attributed only by role, phase "
    "and locality (for example, \u201csecondary headteacher, Locality B\u201d), never by "
    "your name, and obvious personal details are removed. If you decline, you can still "
    "take part in everything; your words are simply left out of research outputs. You "
    "can change your mind at any time from your profile."
)
