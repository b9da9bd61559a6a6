"""Each question type's tally comes from the stored responses."""

from dialogue.extensions import db
from dialogue.workshops import participants
from dialogue.workshops.results import question_results, ranking_table
from dialogue.workshops.wordcloud import word_counts
from tests.workshops.helpers import answer, go_to


def _people(workshop, n):
    people = [participants.join(workshop, None) for _ in range(n)]
    db.session.commit()
    return people


def test_single_choice_counts_each_option(workshop, facilitator):
    q = go_to(workshop, facilitator, "single")
    a, b, c = _people(workshop, 3)
    red, green, _blue = q.options
    answer(q, a, option=red.id)
    answer(q, b, option=red.id)
    answer(q, c, option=green.id)
    answer(q, c, option=red.id)  # changed their mind: still one answer
    r = question_results(q)
    assert r.total == 3
    assert r.rows == [("Red", 3), ("Green", 0), ("Blue", 0)]


def test_multiple_choice_counts_every_choice(workshop, facilitator):
    q = go_to(workshop, facilitator, "multiple")
    a, b = _people(workshop, 2)
    opt = {o.label: o.id for o in q.options}
    answer(q, a, option=[opt["A"], opt["C"]])
    answer(q, b, option=[opt["C"]])
    r = question_results(q)
    assert r.total == 2
    assert r.rows == [("A", 1), ("B", 0), ("C", 2), ("D", 0)]


def test_scale_counts_points_and_percent_agreeing(workshop, facilitator):
    q = go_to(workshop, facilitator, "scale")
    people = _people(workshop, 4)
    for person, value in zip(people, [5, 4, 2, 4], strict=True):
        answer(q, person, value=value)
    r = question_results(q)
    assert dict(r.rows) == {"Strongly disagree": 0, "Disagree": 1,
                            "Neither agree nor disagree": 0, "Agree": 2, "Strongly agree": 1}
    assert r.agree_percent == 75


def test_ranking_gives_average_rank_and_borda_points(workshop, facilitator):
    q = go_to(workshop, facilitator, "ranking")
    one, two, three = (o.id for o in q.options)
    a, b = _people(workshop, 2)
    answer(q, a, ranking=[two, one, three])
    answer(q, b, ranking=[two, three, one])
    r = question_results(q)
    table = {row["label"]: row for row in r.ranking}
    assert table["Two"] == {"label": "Two", "average_rank": 1.0, "borda": 4, "first": 2}
    assert table["One"]["average_rank"] == 2.5 and table["One"]["borda"] == 1
    assert table["Three"]["average_rank"] == 2.5 and table["Three"]["borda"] == 1
    assert r.ranking[0]["label"] == "Two"


def test_ranking_table_by_hand():
    table = ranking_table({1: "x", 2: "y"}, [[1, 2], [1, 2], [2, 1]])
    assert table == [{"label": "x", "average_rank": 1.33, "borda": 2, "first": 2},
                     {"label": "y", "average_rank": 1.67, "borda": 1, "first": 1}]


def test_open_text_lists_answers_and_hidden_ones_leave_the_screen(workshop, facilitator):
    q = go_to(workshop, facilitator, "open_text")
    a, b, c = _people(workshop, 3)
    answer(q, a, text="More time for collaboration")
    answer(q, b, text="Collaboration across the trust, and time")
    answer(q, c, text="Rude remark")
    rude = next(x for x in question_results(q).answers if x.text == "Rude remark")
    participants.set_response_hidden(rude, facilitator, True)
    db.session.commit()
    shown = question_results(q)
    assert [x.text for x in shown.answers] == ["More time for collaboration",
                                               "Collaboration across the trust, and time"]
    assert shown.total == 3  # still stored, just not on screen
    assert dict(shown.words)["collaboration"] == 2
    assert dict(shown.words)["time"] == 2
    assert "rude" not in dict(shown.words)
    assert len(question_results(q, include_hidden=True).answers) == 3


def test_word_cloud_leaves_out_common_words():
    words = dict(word_counts(["The schools and the trust", "the TRUST should lead"]))
    assert words == {"trust": 2, "lead": 1}


def test_finding_check_shows_the_room_beside_the_national_figure(workshop, facilitator,
                                                                 factory):
    finding = factory.finding("hierarchy-ofsted-priority", "Ofsted is a top priority")
    factory.key_figure(finding, "77%", measures="agreed it is a top priority",
                       base="school leaders responding to the survey")
    q = go_to(workshop, facilitator, "finding_check")
    people = _people(workshop, 4)
    for person, value in zip(people, [5, 4, 1, 3], strict=True):
        answer(q, person, value=value)
    r = question_results(q)
    assert r.agree_percent == 50
    assert r.national.value == "77%" and r.national.percent == 77.0
    assert r.national.base == "school leaders responding to the survey"


def test_finding_check_without_the_briefing_says_so(workshop, facilitator, app):
    q = go_to(workshop, facilitator, "finding_check")
    assert question_results(q).national is None
