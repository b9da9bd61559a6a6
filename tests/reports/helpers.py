"""Building research data directly from the models (fast, and independent of the other
features' forms)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from dialogue.db import utcnow
from dialogue.extensions import db

_n = itertools.count(1)


def briefing_with_findings(n: int = 2, *, figure: str | None = "77%"):
    from dialogue.briefings.models import Briefing, Finding, KeyFigure

    i = next(_n)
    briefing = Briefing(slug=f"b{i}", title=f"Briefing {i}", summary="s", updated=date.today(),
                        position=i)
    db.session.add(briefing)
    db.session.flush()
    findings = []
    for position in range(n):
        finding = Finding(key=f"b{i}-f{position}", briefing_id=briefing.id,
                          title=f"Finding {i}.{position}", position=position)
        db.session.add(finding)
        db.session.flush()
        if figure:
            db.session.add(KeyFigure(finding_id=finding.id, value=figure,
                                     measures="school leaders who agree", base="survey of 800",
                                     source_key="survey", source_label="School leaders survey"))
        findings.append(finding)
    db.session.flush()
    return briefing, findings


def react(user, finding, answer: str = "matches"):
    from dialogue.briefings.models import Reaction

    reaction = Reaction(finding_id=finding.id, user_id=user.id, answer=answer,
                        education_role=user.education_role, phase=user.phase,
                        school_type=user.school_type, locality_id=user.locality_id)
    db.session.add(reaction)
    db.session.flush()
    return reaction


def thread(locality, author=None, title: str = "A thread"):
    from dialogue.forums.models import Thread

    t = Thread(locality_id=locality.id, title=title, author_id=author.id if author else None)
    db.session.add(t)
    db.session.flush()
    return t


def post(user, *, thread=None, finding=None, body: str = "A considered post about it.",
         status: str = "visible", created_at=None):
    from dialogue.moderation.models import Post

    p = Post(author_id=user.id, body=body, body_html=f"<p>{body}</p>",
             thread_id=thread.id if thread else None, finding_id=finding.id if finding else None,
             status=status, locality_id=thread.locality_id if thread else None,
             education_role=user.education_role, phase=user.phase,
             school_type=user.school_type, author_locality_id=user.locality_id)
    if created_at is not None:
        p.created_at = created_at
    db.session.add(p)
    db.session.flush()
    return p


def workshop(owner, locality=None, *, kind: str = "single", labels=("Yes", "No")):
    from dialogue.workshops.models import Option, Question, Workshop

    i = next(_n)
    w = Workshop(title=f"Workshop {i}", date=date.today(), owner_id=owner.id,
                 code=f"W{i:05d}"[:6], code_expires_at=utcnow() + timedelta(days=1),
                 locality_id=locality.id if locality else None)
    db.session.add(w)
    db.session.flush()
    q = Question(workshop_id=w.id, position=1, kind=kind, prompt="Which is it?")
    db.session.add(q)
    db.session.flush()
    options = []
    for position, label in enumerate(labels):
        option = Option(question_id=q.id, position=position, label=label)
        db.session.add(option)
        options.append(option)
    db.session.flush()
    return w, q, options


def respond(workshop, question, user=None, *, option=None, value=None, text=None,
            hidden: bool = False):
    from dialogue.workshops.models import Participant, Response

    participant = Participant(workshop_id=workshop.id, token=f"tok{next(_n)}",
                              user_id=user.id if user else None)
    db.session.add(participant)
    db.session.flush()
    response = Response(question_id=question.id, participant_id=participant.id,
                        option_id=option.id if option else None, value=value, text=text,
                        hidden=hidden)
    db.session.add(response)
    db.session.flush()
    return response
