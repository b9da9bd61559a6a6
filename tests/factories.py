"""Test data, built directly from the models: ``factory.user()``, ``factory.finding()`` ...

Every builder flushes (so the object has its id) and leaves the commit to the test,
except ``user`` and ``finding``, which commit unless told not to (most tests sign the
person in or open the finding's page straight away). The builders write rows as the
features would store them, without going through their forms or services, so a test of
one feature does not depend on another feature's rules (pre-moderation, rate limits).
``workshop_of_every_kind`` is the exception: it uses the workshop services, as the
workshop tests want the real thing.
"""

from __future__ import annotations

import datetime as dt
import itertools

from werkzeug.security import generate_password_hash

from dialogue.auth import services as accounts
from dialogue.auth.models import Role, User
from dialogue.briefings.models import Briefing, Finding, KeyFigure, Reaction
from dialogue.db import utcnow
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.forums.models import Thread
from dialogue.localities import Locality, ensure_default_localities
from dialogue.markdown import render_user_markdown
from dialogue.reports.models import Code, Coding
from dialogue.workshops import participants as joining
from dialogue.workshops import services as workshops
from dialogue.workshops.models import Option, Participant, Question, Response, Workshop

PASSWORD = "correct horse battery"
# A cheap hash keeps the suite fast; the real default is used by the app itself.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_counter = itertools.count(1)
TEST_BRIEFING = "test-briefing"
LONG_REPLY = ("A reply with **markdown**, a [link](https://example.org) and a finding: "
              "/findings/perf-finding\n\n> quoted line\n\n- one\n- two")


def _add(row):
    db.session.add(row)
    db.session.flush()
    return row


class Factory:
    """One method per kind of thing; keyword arguments say what matters to the test."""

    # --- people and places --------------------------------------------------------

    def locality(self, slug: str = "locality-a") -> Locality:
        ensure_default_localities()
        return db.session.scalar(db.select(Locality).where(Locality.slug == slug))

    def user(self, role: str | Role | None = None, *, email: str | None = None,
             name: str | None = None, consent: bool = True, commit: bool = True,
             **profile) -> User:
        n = next(_counter)
        user = _add(User(email=email or f"user{n}@dialogue.example.org",
                         display_name=name or f"Test User {n}", password_hash=_CHEAP_HASH,
                         **profile))
        accounts.set_consent(user, consent)
        if role and role != "practitioner":
            accounts.grant_role(user, Role(role), by=None)
        if commit:
            db.session.commit()
        return user

    # --- briefings ----------------------------------------------------------------

    def briefing(self, findings: int = 2, *, figure: str | None = "77%"
                 ) -> tuple[Briefing, list[Finding]]:
        """A new briefing with ``findings`` findings, each with one key figure."""
        n = next(_counter)
        briefing = _add(Briefing(slug=f"b{n}", title=f"Briefing {n}", summary="s",
                                 updated=dt.date.today(), position=n))
        made = []
        for position in range(findings):
            finding = _add(Finding(key=f"b{n}-f{position}", briefing_id=briefing.id,
                                   title=f"Finding {n}.{position}", position=position))
            if figure:
                self.key_figure(finding, figure)
            made.append(finding)
        return briefing, made

    def finding(self, key: str = "a-finding", title: str = "A finding", *,
                figure: str | None = None, retired: bool = False,
                briefing: Briefing | None = None, commit: bool = True) -> Finding:
        """A finding (with one key figure if ``figure``), in one shared test briefing."""
        briefing = briefing or self._test_briefing()
        finding = _add(Finding(key=key, briefing_id=briefing.id, title=title,
                               retired_at=utcnow() if retired else None))
        if figure:
            self.key_figure(finding, figure)
        if commit:
            db.session.commit()
        return finding

    def key_figure(self, finding: Finding, value: str = "77%", *,
                   measures: str = "school leaders who agree",
                   base: str = "survey of 800") -> KeyFigure:
        return _add(KeyFigure(finding_id=finding.id, value=value, measures=measures,
                              base=base, source_key="survey",
                              source_label="School leaders survey"))

    def _test_briefing(self) -> Briefing:
        found = db.session.scalar(db.select(Briefing).where(Briefing.slug == TEST_BRIEFING))
        return found or _add(Briefing(slug=TEST_BRIEFING, title="Test briefing", summary="S",
                                      updated=dt.date(2018, 1, 1)))

    def reaction(self, user: User, finding: Finding, answer: str = "matches") -> Reaction:
        reaction = Reaction(finding_id=finding.id, user_id=user.id, answer=answer,
                            locality_id=user.locality_id)
        reaction.copy_profile(user)
        return _add(reaction)

    # --- discussion ---------------------------------------------------------------

    def thread(self, locality: Locality, author: User | None = None,
               title: str = "A thread") -> Thread:
        return _add(Thread(locality_id=locality.id, title=title,
                           author_id=author.id if author else None))

    def post(self, user: User, *, thread: Thread | None = None, finding: Finding | None = None,
             body: str = "A considered post about it.", status: str = "visible",
             body_html: str | None = None, created_at: dt.datetime | None = None,
             **columns) -> Post:
        """A post as stored once moderation said ``status`` (HTML: a bare <p> unless given)."""
        post = Post(author_id=user.id, body=body, body_html=body_html or f"<p>{body}</p>",
                    thread_id=thread.id if thread else None,
                    finding_id=finding.id if finding else None, status=status,
                    locality_id=thread.locality_id if thread else None,
                    author_locality_id=user.locality_id, **columns)
        post.copy_profile(user)
        if status == "visible":
            post.approved_at = utcnow()
        if created_at is not None:
            post.created_at = created_at
        return _add(post)

    def thread_with_replies(self, locality: Locality, replies: int, title: str) -> Thread:
        """A thread (opened through the forum service) with ``replies`` visible replies by
        25 people, in real markdown with a link, a quote, a list and a finding card (the
        finding ``perf-finding``); every seventh reply edited. Committed."""
        authors = [self.user(name=f"Voice {title} {n}", commit=False) for n in range(25)]
        starter = self.user(role="moderator", commit=False)
        thread, _ = forums.create_thread(starter, locality, title, "Opening post")
        html = render_user_markdown(LONG_REPLY)
        now = utcnow()
        for n in range(replies):
            self.post(authors[n % len(authors)], thread=thread, body=LONG_REPLY, body_html=html,
                      edited_at=now if n % 7 == 0 else None)
        db.session.commit()
        return thread

    # --- workshops ----------------------------------------------------------------

    def workshop(self, owner: User, locality: Locality | None = None, *, kind: str = "single",
                 labels=("Yes", "No")) -> tuple[Workshop, Question, list[Option]]:
        """A workshop with one question (and its options), joinable today."""
        n = next(_counter)
        w = _add(Workshop(title=f"Workshop {n}", date=dt.date.today(), owner_id=owner.id,
                          code=f"W{n:05d}"[:6], code_expires_at=utcnow() + dt.timedelta(days=1),
                          locality_id=locality.id if locality else None))
        q = _add(Question(workshop_id=w.id, position=1, kind=kind, prompt="Which is it?"))
        options = [_add(Option(question_id=q.id, position=position, label=label))
                   for position, label in enumerate(labels)]
        return w, q, options

    def workshop_of_every_kind(self, facilitator: User, *, title: str = "Test workshop"
                               ) -> Workshop:
        """A draft workshop with one question of every type, in this order (committed)."""
        w = workshops.create_workshop(facilitator, title=title, date=dt.date.today(),
                                      locality_id=None)
        add = workshops.add_question
        add(w, facilitator, kind="single", prompt="Pick one", options=["Red", "Green", "Blue"])
        add(w, facilitator, kind="multiple", prompt="Pick up to two",
            options=["A", "B", "C", "D"], max_choices=2)
        add(w, facilitator, kind="scale", prompt="Networks matter most")
        add(w, facilitator, kind="ranking", prompt="Rank these", options=["One", "Two", "Three"])
        add(w, facilitator, kind="open_text", prompt="What would help?")
        add(w, facilitator, kind="finding_check", prompt="Ofsted is a priority",
            finding_key="hierarchy-ofsted-priority")
        db.session.commit()
        return w

    def participant(self, workshop: Workshop, user: User | None = None) -> Participant:
        return _add(Participant(workshop_id=workshop.id, token=f"tok{next(_counter)}",
                                user_id=user.id if user else None))

    def response(self, workshop: Workshop, question: Question, user: User | None = None, *,
                 option: Option | None = None, value: int | None = None,
                 text: str | None = None, hidden: bool = False) -> Response:
        """One new participant's (``user``'s, or anonymous) answer to ``question``, with
        the profile snapshot the answer path takes."""
        participant = self.participant(workshop, user)
        return _add(Response(question_id=question.id, participant_id=participant.id,
                             option_id=option.id if option else None, value=value, text=text,
                             hidden=hidden, **joining.profile_of(participant)))

    # --- research -----------------------------------------------------------------

    def code(self, name: str) -> Code:
        """A code of the codebook, by name (seeded codes included)."""
        found = db.session.scalar(db.select(Code).where(Code.code == name))
        return found or _add(Code(code=name))

    def coding(self, researcher: User, code: Code | str, post: Post) -> Coding:
        """``researcher`` tags ``post`` (a forum post or a comment on a finding)."""
        code = self.code(code) if isinstance(code, str) else code
        return _add(Coding(researcher_id=researcher.id, code_id=code.id,
                           contribution_kind="post" if post.thread_id else "comment",
                           contribution_id=post.id))
