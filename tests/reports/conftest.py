"""Research fixtures: a small data set with a known shape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dialogue.auth.models import EducationRole, Phase
from dialogue.extensions import db
from tests.reports import helpers


@pytest.fixture
def researcher(factory):
    return factory.user(role="researcher", name="Rhea Researcher")


@pytest.fixture
def data(app, factory):
    """Seven primary heads in Locality A, two secondary teachers in Locality B, one
    person without consent, a forum thread and comments, and a workshop question."""
    from dialogue.reports import services

    services.seed_codebook()
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    heads = [factory.user(name=f"Head {i}", phase=Phase.PRIMARY,
                          education_role=EducationRole.HEADTEACHER, locality_id=a.id)
             for i in range(7)]
    teachers = [factory.user(name=f"Teacher {i}", phase=Phase.SECONDARY,
                             education_role=EducationRole.TEACHER, locality_id=b.id)
                for i in range(2)]
    refuser = factory.user(name="Noel Noconsent", consent=False, locality_id=a.id)
    briefing, (f1, f2) = helpers.briefing_with_findings()
    for i, person in enumerate(heads):
        helpers.react(person, f1, "matches" if i < 5 else "partly")
    for person in teachers:
        helpers.react(person, f1, "does_not_match")
    helpers.react(refuser, f1, "does_not_match")
    thread = helpers.thread(a)
    posts = [
        helpers.post(heads[0], thread=thread,
                     body="We rely on our trust for CPD; ask Teacher 1 or mail x@y.org."),
        helpers.post(heads[1], finding=f1,
                     body="=SUM(A1:A2) is how our budget feels, honestly, every single term."),
        helpers.post(heads[2], thread=thread, body="This one is held for moderation.",
                     status="held"),
        helpers.post(refuser, thread=thread, body="I did not consent to research use."),
    ]
    w, q, options = helpers.workshop(factory.user(role="facilitator"), a)
    for person in heads[:5]:
        helpers.respond(w, q, person, option=options[0])
    db.session.commit()
    return SimpleNamespace(a=a, b=b, heads=heads, teachers=teachers, refuser=refuser,
                           briefing=briefing, f1=f1, f2=f2, thread=thread, posts=posts,
                           workshop=w, question=q, codes=services.codebook())
