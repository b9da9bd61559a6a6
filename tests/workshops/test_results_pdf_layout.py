"""The results PDF with long answers and many long options (issue 13, point 9): every chart
on the page of its question's heading, tables that run on between rows with their header
again, and no header or label cut, checked on the PDF's own text page by page."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.workshops import services
from dialogue.workshops.models import Participant, Response

LONG = "Collaboration" * 6  # 78 letters without a break
OPTIONS = [f"{n}. {LONG} and a long explanation of what option {n} would mean for schools "
           f"in this area, written at length" for n in range(1, 11)]
ANSWERS = ["x" * 500] + [
    f"Answer {n}: shared professional development, collaboration across the trust and the "
    f"local authority, and time protected for it, in the words of participant {n}"
    for n in range(1, 12)]


def _workshop(facilitator):
    workshop = services.create_workshop(facilitator, title="Clipping check", locality_id=None,
                                        date=dt.date.today())
    add = services.add_question
    add(workshop, facilitator, kind="open_text", prompt="What would make it work better?")
    add(workshop, facilitator, kind="single", prompt="Which matters most?", options=OPTIONS)
    add(workshop, facilitator, kind="multiple", prompt="Pick up to two", options=OPTIONS[:6],
        max_choices=2)
    add(workshop, facilitator, kind="ranking", prompt="Rank these", options=OPTIONS[:5])
    db.session.flush()
    text, single, multiple, ranking = sorted(workshop.questions, key=lambda q: q.position)
    for n, answer in enumerate(ANSWERS):
        person = Participant(workshop_id=workshop.id, token=f"pdf-{workshop.id}-{n}")
        db.session.add(person)
        db.session.flush()
        order = [o.id for o in ranking.options]
        db.session.add_all([
            Response(question_id=text.id, participant_id=person.id, text=answer),
            Response(question_id=single.id, participant_id=person.id,
                     option_id=single.options[n % 10].id),
            Response(question_id=multiple.id, participant_id=person.id,
                     choices=[multiple.options[n % 6].id, multiple.options[(n + 1) % 6].id]),
            Response(question_id=ranking.id, participant_id=person.id,
                     choices=order[n % 5:] + order[:n % 5]),
        ])
    db.session.commit()
    return workshop


def test_charts_stay_with_their_questions_and_tables_run_on(facilitator, login, client):
    workshop = _workshop(facilitator)
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert response.status_code == 200
    pages = [" ".join(page.extract_text().split())
             for page in PdfReader(io.BytesIO(response.data)).pages]
    text = " ".join(pages)
    for number, prompt, caption in (
            (1, "What would make it work better?", "Words used most in the answers shown"),
            (2, "Which matters most?", "Which matters most? (12 answers)"),
            (3, "Pick up to two", "Pick up to two (12 answers)"),
            (4, "Rank these", "How many put each first (12 answers)")):
        heading = f"{number}. {prompt}"
        page = next(p for p in pages if heading in p)
        # The chart's title is on its heading's page: never a heading alone on a page.
        assert caption in page, (heading, page[:300])
    # A table that runs on to the next page carries its header there again, and the
    # numbers' header is one word, never "Co unt".
    assert not re.search(r"\bCo unt\b", text)
    for page in pages:
        if re.search(r"\d+\. Collaboration\S* and a long explanation .{0,120}? \d+(?: |$)", page):
            assert "Answer Count" in page or "Item Average position" in page, page[:300]
    # The words' table keeps its caption with its first rows.
    captioned = next(p for p in pages if "Words in the word cloud" in p)
    assert re.search(r"Words in the word cloud, with how many answers used each "
                     r"Word Answers \w+ \d+", captioned)
    # Every option's whole text is in the PDF (the charts cut long labels with an
    # ellipsis; the tables hold them whole).
    for option in OPTIONS:
        assert option.split(" and ")[1][:40] in text


def test_the_results_page_shows_long_choices_in_full(facilitator, login, client):
    workshop = _workshop(facilitator)
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/results").get_data(as_text=True)
    # The charts cut these choices with an ellipsis; a details block holds them whole,
    # once for the single and once for the multiple choice question.
    assert page.count("The choices in full, with the numbers") == 2
    block = page[page.index("dialogue-choices-in-full"):]
    assert OPTIONS[9] in block[:block.index("</details>")]


def test_short_choices_need_no_second_table(workshop, facilitator, login, client):
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/results").get_data(as_text=True)
    assert "The choices in full" not in page
