"""The verbs: who may open, add, vote and moderate; what is refused and why; one vote
per person per statement, changeable; the next statement; the map kept by version."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dialogue import refusals
from dialogue.audit import AuditEvent
from dialogue.consensus import flags, maps, tasks
from dialogue.consensus import services as consensus
from dialogue.consensus.models import Conversation, Statement, StatementStatus, Vote
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.profiles import EducationRole
from dialogue.transactions import write_transaction


def _votes(statement_id: int | None = None) -> int:
    query = select(func.count(Vote.id))
    if statement_id is not None:
        query = query.where(Vote.statement_id == statement_id)
    return db.session.scalar(query)


def test_only_facilitators_and_researchers_open_a_conversation(factory, locality):
    with pytest.raises(refusals.NotPermitted):
        consensus.create_conversation(factory.user(), title="Mine", locality=locality)
    researcher = factory.user(role="researcher")
    national = consensus.create_conversation(researcher, title="National map")
    assert national.locality_id is None and national.is_open
    assert maps.map_of(national).version == 0


@pytest.mark.parametrize(("text", "message"), [
    ("x" * 281, "280 characters or fewer"),
    ("   ", "Write a statement"),
    ("Two lines\nof text", "one line"),
    ("A bell\x07", "control characters"),
])
def test_statement_text_is_refused_with_a_reason(conversation, factory, text, message):
    with pytest.raises(refusals.Unprocessable, match=message):
        consensus.add_statement(conversation, factory.user(), text)


def test_a_statement_is_stored_verbatim_and_duplicates_are_refused(conversation, factory):
    author = factory.user(education_role=EducationRole.GOVERNOR)
    statement = consensus.add_statement(conversation, author, "  Heads need  time*  ")
    assert statement.text == "  Heads need  time*  " and statement.is_visible
    assert statement.education_role == EducationRole.GOVERNOR
    with pytest.raises(refusals.Unprocessable, match="already in this conversation"):
        consensus.add_statement(conversation, factory.user(), "heads NEED time*")


def test_statements_are_held_when_the_owner_asks(conversation, owner, factory):
    conversation.requires_approval = True
    held = consensus.add_statement(conversation, factory.user(), "Hold me.")
    assert held.is_held
    assert consensus.add_statement(conversation, owner, "The owner's own.").is_visible


def test_approving_and_hiding_are_audited_and_limited(conversation, owner, factory):
    conversation.requires_approval = True
    held = consensus.add_statement(conversation, factory.user(), "Hold me.")
    with pytest.raises(refusals.NotPermitted):
        consensus.approve_statement(held, factory.user())
    consensus.approve_statement(held, owner)
    assert held.is_visible
    moderator = factory.user(role="moderator")
    with pytest.raises(refusals.Unprocessable):
        consensus.hide_statement(held, moderator, "  ")
    consensus.hide_statement(held, moderator, "Names a colleague")
    assert held.is_hidden and held.hidden_by_id == moderator.id
    assert held.hidden_reason == "Names a colleague" and held.hidden_at is not None
    with pytest.raises(refusals.InvalidTransition):
        consensus.hide_statement(held, moderator, "Again")
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.reason).where(
        AuditEvent.target_type == "consensus_statement")).all()
    assert actions == [("approve_statement", ""), ("hide_statement", "Names a colleague")]


def test_a_moderator_of_another_locality_cannot_moderate(conversation, factory, statements):
    elsewhere = factory.user(role="moderator", commit=False)
    elsewhere.moderated_localities.append(factory.locality("locality-b"))
    db.session.commit()
    with pytest.raises(refusals.NotPermitted):
        consensus.hide_statement(statements[0], elsewhere, "No")


def test_a_vote_can_be_changed_and_is_never_duplicated(conversation, statements, factory):
    voter = factory.user(education_role=EducationRole.TEACHER)
    consensus.cast_vote(conversation, statements[0], voter, 1)
    consensus.cast_vote(conversation, statements[0], voter, -1)
    db.session.commit()
    vote = db.session.scalar(select(Vote))
    assert _votes() == 1 and vote.value == -1 and vote.education_role == EducationRole.TEACHER
    db.session.add(Vote(conversation_id=conversation.id, statement_id=statements[0].id,
                        user_id=voter.id, value=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_concurrent_votes_make_one_row(app, conversation, statements, factory):
    voter = factory.user()
    conversation_id, statement_id, voter_id = conversation.id, statements[0].id, voter.id
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def vote(value: int) -> None:
        try:
            with app.app_context(), write_transaction():
                start.wait()
                consensus.cast_vote(db.session.get(Conversation, conversation_id),
                                    db.session.get(Statement, statement_id),
                                    db.session.get(type(voter), voter_id), value)
                db.session.commit()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=vote, args=(v,)) for v in (1, -1, 0, 1, -1, 0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.rollback()  # end the test's own read, to see what the threads wrote
    assert _votes(statement_id) == 1


@pytest.mark.parametrize(("change", "message"), [
    ("hidden", "hidden by a moderator"),
    ("held", "waiting for approval"),
    ("closed", "conversation has closed"),
])
def test_votes_are_refused_with_a_clear_message(conversation, statements, owner, factory,
                                                change, message):
    statement = statements[0]
    if change == "hidden":
        consensus.hide_statement(statement, owner, "Off-topic")
    elif change == "held":
        statement.status = StatementStatus.HELD
    else:
        consensus.close_conversation(conversation, owner)
    with pytest.raises(refusals.InvalidTransition, match=message):
        consensus.cast_vote(conversation, statement, factory.user(), 1)


def test_a_vote_on_another_conversations_statement_is_refused(conversation, owner, factory):
    other = consensus.create_conversation(owner, title="Another map")
    stranger = consensus.add_statement(other, owner, "Elsewhere.", seed=True)
    with pytest.raises(refusals.Unprocessable, match="another conversation"):
        consensus.cast_vote(conversation, stranger, factory.user(), 1)
    with pytest.raises(refusals.Unprocessable, match="agree, disagree or pass"):
        consensus.cast_vote(other, stranger, factory.user(), 2)


def test_the_next_statement_spreads_votes_and_shows_new_ones_early(conversation, statements,
                                                                   factory):
    me, others = factory.user(), [factory.user() for _ in range(2)]
    first, second, third = statements
    for person in others:
        consensus.cast_vote(conversation, first, person, 1)
    consensus.cast_vote(conversation, second, others[0], 1)
    # third: no votes, the newest seed of the three
    assert consensus.next_statement(conversation, me).id == third.id
    newest = consensus.add_statement(conversation, others[1], "Newest of all.")
    assert consensus.next_statement(conversation, me).id == newest.id
    for statement in (newest, third, second):
        assert consensus.next_statement(conversation, me).id == statement.id
        consensus.cast_vote(conversation, statement, me, 0)
    assert consensus.next_statement(conversation, me).id == first.id
    consensus.cast_vote(conversation, first, me, -1)
    assert consensus.next_statement(conversation, me) is None
    assert consensus.progress(conversation, me) == (4, 4)


def test_every_change_bumps_the_version_and_the_job_keeps_the_map(conversation, statements,
                                                                  factory):
    before = conversation.version
    consensus.cast_vote(conversation, statements[0], factory.user(), 1)
    db.session.commit()  # the job runs inline after the commit (JOB_QUEUE_IMMEDIATE)
    kept = maps.map_of(conversation)
    db.session.refresh(kept)
    assert conversation.version == before + 1
    assert kept.version == conversation.version and kept.requested_at is None
    assert kept.result["participants"] == 1 and kept.result["version"] == kept.version


def test_one_request_per_burst_and_a_lost_one_is_renewed(conversation):
    kept = maps.map_of(conversation)
    kept.requested_at = utcnow()
    db.session.flush()
    assert not tasks.request_map(conversation.id)
    kept.requested_at = utcnow() - tasks.STALE_REQUEST - timedelta(seconds=1)
    db.session.flush()
    assert tasks.request_map(conversation.id)
    db.session.rollback()


def test_flags_follow_the_posts_rules_and_the_threshold_hides_until_a_moderator_decides(
        app, factory):
    owner = factory.user(role="facilitator")
    place = factory.locality()
    conversation = consensus.create_conversation(owner, title="Flags", locality=place)
    author = factory.user()
    statement = consensus.add_statement(conversation, author, "Some statement to flag.")
    with pytest.raises(flags.FlagRefused, match="your own"):
        flags.flag_statement(statement, author, "spam")
    flaggers = [factory.user() for _ in range(app.config["FLAGS_TO_HIDE"])]
    with pytest.raises(flags.FlagRefused, match="Say what"):
        flags.flag_statement(statement, flaggers[0], "other", "  ")
    assert flags.flag_statement(statement, flaggers[0], "abusive") is False
    with pytest.raises(flags.FlagRefused, match="already flagged"):
        flags.flag_statement(statement, flaggers[0], "spam")
    assert [c.id for c, held, flagged in flags.waiting_for(owner)] == [conversation.id]
    version = conversation.version
    hidden = [flags.flag_statement(statement, f, "spam") for f in flaggers[1:]]
    assert hidden[-1] is True and statement.is_hidden and "automatically" in statement.hidden_reason
    db.session.refresh(conversation)
    assert conversation.version > version
    with pytest.raises(flags.FlagRefused, match="no longer shown"):
        flags.flag_statement(statement, factory.user(), "spam")
    (shown, open_flags), = flags.flagged_statements(conversation)
    assert shown.id == statement.id and len(open_flags) == app.config["FLAGS_TO_HIDE"]
    consensus.approve_statement(statement, owner)
    assert statement.is_visible and flags.flagged_statements(conversation) == []
    assert flags.waiting_for(owner) == []
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_id == statement.id, AuditEvent.target_type == "consensus_statement")))
    assert actions.count("flag_statement") == app.config["FLAGS_TO_HIDE"]
    assert "auto_hide_statement" in actions and "approve_statement" in actions


def test_approving_a_visible_flagged_statement_keeps_it_and_dismisses_the_flags(factory):
    owner = factory.user(role="facilitator")
    conversation = consensus.create_conversation(owner, title="Keep", locality=factory.locality())
    statement = consensus.add_statement(conversation, owner, "Keep me.", seed=True)
    flags.flag_statement(statement, factory.user(), "off_topic")
    consensus.approve_statement(statement, owner)
    assert statement.is_visible and flags.flagged_statements(conversation) == []
    with pytest.raises(refusals.InvalidTransition):
        consensus.approve_statement(statement, owner)
