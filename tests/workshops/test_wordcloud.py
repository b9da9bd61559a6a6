"""Open-text results as a word cloud: words, layout, the SVG, the facilitator's edits, and
ranking results in plain words."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.workshops import participants, wordcloud
from dialogue.workshops.results import question_results
from dialogue.workshops.wordcloud import (
    HEIGHT,
    MAX_FONT,
    MIN_FONT,
    NARROW,
    WIDTH,
    cloud_svg,
    layout,
    tokens,
    word_counts,
)
from dialogue.workshops.wordcloud_models import WordEdit
from tests.workshops.helpers import answer, go_to

TEXTS = ["More time for collaboration between teachers",
         "Collaboration across the trust, and time to plan",
         "Trust leaders who listen; time, time and more time",
         "Teachers' time", "Collaboration", "Funding for collaboration and time",
         "Teacher workload"]


def test_tokens_drop_stop_words_short_words_and_repeats():
    assert tokens("The schools and the TRUST should lead, lead, lead!") == {"trust", "lead"}
    assert tokens("It\u2019s a teacher-led “network”") == {"teacher-led", "network"}
    assert tokens("x" * 41) == set()  # no word that long goes in the cloud


def test_a_word_counts_once_per_answer():
    counts = dict(word_counts(TEXTS))
    assert counts["time"] == 5  # "time, time and more time" is one answer
    assert counts["collaboration"] == 4
    assert list(dict(word_counts(TEXTS))) [:2] == ["time", "collaboration"]


def test_edits_hide_and_merge_words():
    counts = dict(word_counts(TEXTS, {"time": None, "teacher": "teachers"}))
    assert "time" not in counts and "teacher" not in counts
    assert counts["teachers"] == 3
    chained = dict(word_counts(TEXTS, {"trust": "leaders", "leaders": None}))
    assert "trust" not in chained and "leaders" not in chained


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_layout_has_no_overlaps_stays_inside_and_sizes_by_frequency():
    words = tuple((f"word{n:02d}", 40 - n) for n in range(40))
    placed = layout(words)
    assert len(placed) == len(words)  # every word finds room
    for i, a in enumerate(placed):
        assert a.box[0] >= 0 and a.box[2] <= WIDTH and a.box[1] >= 0 and a.box[3] <= HEIGHT
        for b in placed[i + 1:]:
            assert not _overlap(a.box, b.box), (a.word, b.word)
    sizes = [p.size for p in placed]
    assert MAX_FONT >= sizes[0] > sizes[-1] >= MIN_FONT
    assert sizes == sorted(sizes, reverse=True)


LONG_WORDS = ["collaboration", "professional", "development", "accountability",
              "relationships", "communication", "headteachers", "partnership", "leadership",
              "curriculum", "wellbeing", "workload", "funding", "trust", "teachers",
              "planning", "support", "sharing", "network", "research", "evidence",
              "training", "capacity", "governance", "inclusion", "attendance", "transport",
              "assessment", "recruitment", "retention"]


def test_the_narrow_picture_takes_fewer_words_at_a_phone_size_and_stays_inside():
    """Drawn for a phone's column: at most 24 words, none smaller than 13 units (a unit
    is a CSS pixel there), none outside the frame or over another."""
    for words in (tuple((f"word{n:02d}", 40 - n) for n in range(40)),
                  tuple((w, 30 - n) for n, w in enumerate(LONG_WORDS))):
        placed = layout(words, NARROW)
        assert 20 <= len(placed) <= NARROW.max_words == 24
        assert {p.word for p in placed} <= {w for w, _ in words[:24]}  # the most used
        for i, a in enumerate(placed):
            assert a.box[0] >= 0 and a.box[2] <= NARROW.width
            assert a.box[1] >= 0 and a.box[3] <= NARROW.height
            assert a.size >= NARROW.min_font == 13
            for b in placed[i + 1:]:
                assert not _overlap(a.box, b.box), (a.word, b.word)
        # The biggest word is still clearly the biggest.
        assert placed[0].size >= 2 * NARROW.min_font


def test_the_svg_is_drawn_at_its_own_size():
    """width and height in units, so a page never blows a few words up; the narrow one
    says how many of the words it draws."""
    words = [(w, 30 - n) for n, w in enumerate(LONG_WORDS)]
    for frame in (None, NARROW):
        svg = cloud_svg(words, title="T") if frame is None else cloud_svg(words, title="T",
                                                                          frame=frame)
        box = re.search(r'viewBox="(-?\d+) (-?\d+) (\d+) (\d+)" width="(\d+)" '
                        r'height="(\d+)"', svg)
        assert box.group(3, 4) == box.group(5, 6)
    narrow = cloud_svg(words, title="T", frame=NARROW)
    assert "dialogue-cloud__svg--narrow" in narrow
    drawn = narrow.count("</text>")
    assert f"30 words, {drawn} of them drawn" in narrow
    assert cloud_svg(words, title="T") != narrow


def test_the_layout_is_the_same_every_time():
    words = tuple(word_counts(TEXTS))
    layout.cache_clear()
    first = layout(words)
    layout.cache_clear()
    assert layout(words) == first
    assert cloud_svg(words, title="T") == cloud_svg(words, title="T")


def test_the_svg_is_an_image_with_a_title_and_escaped_words():
    svg = cloud_svg([("<b>bold</b>", 2), ("time", 1)], title='Word cloud: "<x>"')
    assert re.match(r'<svg class="dialogue-cloud__svg dialogue-cloud__svg--wide" role="img" '
                    r'aria-labelledby="(\S+)-title \1-desc"', svg)
    assert "<title" in svg and "<b>" not in svg and "&lt;b&gt;bold" in svg
    assert "Word cloud: &#34;&lt;x&gt;&#34;" in svg
    assert "style=" not in svg
    assert ">time</text>" in svg


def _open_text(workshop, facilitator, texts, *, hidden=()):
    q = go_to(workshop, facilitator, "open_text")
    for text in texts:
        person = participants.join(workshop, None)
        db.session.commit()
        answer(q, person, text=text)
    for response in question_results(q, include_hidden=True).answers:
        if response.text in hidden:
            participants.set_response_hidden(response, facilitator, True)
    db.session.commit()
    return q


def test_the_cloud_uses_only_visible_answers(workshop, facilitator):
    q = _open_text(workshop, facilitator, [*TEXTS, "Rude rude remark"],
                   hidden={"Rude rude remark"})
    words = dict(question_results(q, include_hidden=True).words)
    assert "rude" not in words and "remark" not in words
    assert ">rude<" not in question_results(q).cloud()


def test_the_results_page_shows_the_cloud_and_its_table(workshop, facilitator, login,
                                                        client):
    q = _open_text(workshop, facilitator, TEXTS)
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/results").get_data(as_text=True)
    assert 'role="img"' in page and "<title" in page
    # Both pictures, for CSS to show the one that fits the window.
    assert "dialogue-cloud__svg--wide" in page and "dialogue-cloud__svg--narrow" in page
    assert "Words in the word cloud, with how many answers used each" in page
    assert re.search(r'<th scope="row" class="govuk-table__header"><bdi>time</bdi></th>\s*'
                     r'<td class="govuk-table__cell govuk-table__cell--numeric">5</td>', page)
    assert f"/questions/{q.id}/words/hide" in page
    assert f'id="q{q.id}-word"' in page and f'id="q{q.id}-into"' in page


def test_a_facilitator_hides_merges_and_undoes(workshop, facilitator, login, client):
    q = _open_text(workshop, facilitator, TEXTS)
    login(facilitator)
    base = f"/workshops/{workshop.id}/questions/{q.id}/words"
    hidden = client.post(f"{base}/hide", data={"word": "time"})
    assert hidden.headers["Location"] == f"/workshops/{workshop.id}/results#question-{q.id}"
    assert "time" not in dict(question_results(q).words)
    merged = client.post(f"{base}/merge", data={f"q{q.id}-word": "teacher",
                                                f"q{q.id}-into": "teachers"})
    assert merged.status_code == 302
    assert dict(question_results(q).words)["teachers"] == 3
    page = client.get(f"/workshops/{workshop.id}/results").get_data(as_text=True)
    assert ("“<bdi>time</bdi>” is hidden" in page
            and "“<bdi>teacher</bdi>” counts as “<bdi>teachers</bdi>”" in page)
    edit = db.session.scalar(db.select(WordEdit).where(WordEdit.word == "time"))
    client.post(f"{base}/{edit.id}/undo")
    assert dict(question_results(q).words)["time"] == 5


def test_word_edits_that_cannot_be_made_are_refused(workshop, facilitator, factory, login,
                                                    client):
    q = _open_text(workshop, facilitator, TEXTS)
    login(facilitator)
    base = f"/workshops/{workshop.id}/questions/{q.id}/words"
    same = client.post(f"{base}/merge", data={f"q{q.id}-word": "time", f"q{q.id}-into": "time"})
    assert same.status_code == 422 and b"Choose two different words" in same.data
    unknown = client.post(f"{base}/merge", data={f"q{q.id}-word": "time",
                                                 f"q{q.id}-into": "nowhere"})
    assert unknown.status_code == 422
    assert client.post(f"{base}/hide", data={"word": "two words"}).status_code == 422
    assert client.post(f"{base}/hide", data={}).status_code == 422
    single = workshop.questions[0]
    refused = client.post(f"/workshops/{workshop.id}/questions/{single.id}/words/hide",
                          data={"word": "red"})
    assert refused.status_code == 422
    assert client.post(f"{base}/999/undo").status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(WordEdit)) == 0
    other = factory.workshop_of_every_kind(facilitator, title="Other")
    assert client.post(f"/workshops/{other.id}/questions/{q.id}/words/hide",
                       data={"word": "time"}).status_code == 404


def test_a_word_merged_into_a_hidden_word_is_refused(workshop, facilitator):
    q = _open_text(workshop, facilitator, TEXTS)
    wordcloud.hide_word(q, facilitator, "trust")
    try:
        wordcloud.merge_words(q, facilitator, "leaders", "trust")
    except wordcloud.WordEditRefused as refusal:
        assert "undo that first" in refusal.message
    else:
        raise AssertionError("merged into a hidden word")


def test_ranking_results_are_in_plain_words(workshop, facilitator, login, client):
    q = go_to(workshop, facilitator, "ranking")
    q.prompt = "Rank these, most urgent first"
    one, two, three = (o.id for o in q.options)
    for order in ([two, one, three], [two, three, one], [one, two, three]):
        person = participants.join(workshop, None)
        db.session.commit()
        answer(q, person, ranking=order)
    login(facilitator)
    page = " ".join(client.get(f"/workshops/{workshop.id}/results").data.decode().split())
    assert "Borda" not in page and "1 is most urgent" not in page
    assert "How many put each first (3 answers)" in page
    assert "an average position of 1 would mean everyone put it first" in page
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"Two</th> {cell}1.3</td> {cell}2</td>" in page
    assert f"One</th> {cell}2.0</td> {cell}1</td>" in page


def test_the_pdf_has_the_word_cloud_and_its_table(workshop, facilitator, login, client):
    _open_text(workshop, facilitator, TEXTS)
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(response.data)).pages).split())
    assert "Words used most in the answers shown" in text
    assert "Words in the word cloud, with how many answers used each" in text
    assert "collaboration" in text
