"""Research fixtures: a small data set with a known shape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase
from dialogue.reports import services


@pytest.fixture
def researcher(factory):
    return factory.user(role="researcher", name="Rhea Researcher")


@pytest.fixture
def data(app, factory):
    """Seven primary heads in Locality A, two secondary teachers in Locality B, one
    person without consent, a forum thread and comments, and a workshop question."""
    services.seed_codebook()
    a, b = factory.locality("locality-a"), factory.locality("locality-b")
    heads = [factory.user(name=f"Head {i}", phase=Phase.PRIMARY,
                          education_role=EducationRole.HEADTEACHER, locality_id=a.id)
             for i in range(7)]
    teachers = [factory.user(name=f"Teacher {i}", phase=Phase.SECONDARY,
                             education_role=EducationRole.TEACHER, locality_id=b.id)
                for i in range(2)]
    refuser = factory.user(name="Noel Noconsent", consent=False, locality_id=a.id)
    briefing, (f1, f2) = factory.briefing()
    for i, person in enumerate(heads):
        factory.reaction(person, f1, "matches" if i < 5 else "partly")
    for person in teachers:
        factory.reaction(person, f1, "does_not_match")
    factory.reaction(refuser, f1, "does_not_match")
    thread = factory.thread(a)
    posts = [
        factory.post(heads[0], thread=thread,
                     body="We rely on our trust for CPD; ask Teacher 1 or mail x@y.org."),
        factory.post(heads[1], finding=f1,
                     body="=SUM(A1:A2) is how our budget feels, honestly, every single term."),
        factory.post(heads[2], thread=thread, body="This one is held for moderation.",
                     status="held"),
        factory.post(refuser, thread=thread, body="I did not consent to research use."),
    ]
    w, q, options = factory.workshop(factory.user(role="facilitator"), a)
    for person in heads[:5]:
        factory.response(w, q, person, option=options[0])
    db.session.commit()
    return SimpleNamespace(a=a, b=b, heads=heads, teachers=teachers, refuser=refuser,
                           briefing=briefing, f1=f1, f2=f2, thread=thread, posts=posts,
                           workshop=w, question=q, codes=services.codebook())
