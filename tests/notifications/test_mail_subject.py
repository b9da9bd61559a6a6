"""A notification's mail subject: whole when it fits, cut at a word with an ellipsis
when it does not (it was cut mid-word, losing a response's title without a sign)."""

from dialogue.notifications.services import _subject


def test_a_short_subject_is_whole():
    assert _subject("A reply in “Clusters”") == "A reply in “Clusters”"


def test_a_long_subject_is_cut_at_a_word_and_says_so():
    text = "The research team responded to what people said about " + "evidence " * 12
    subject = _subject(text, limit=60)
    assert len(subject) <= 60
    assert subject.endswith("…") and not subject.endswith(" …")
    assert text.startswith(subject[:-1])
    assert subject[:-1].split()[-1] in text.split()  # a whole word before the ellipsis


def test_line_breaks_never_reach_the_header():
    assert "\n" not in _subject("Line one\nLine two\r\nBcc: someone")
