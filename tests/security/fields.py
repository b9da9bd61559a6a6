"""The registry of text fields the site accepts, and the rules each one documents.

Each ``TextField`` says how to send a value (route, method, form data), how to read
the stored value back (database, page, the person's own data download) and which
documented rules may refuse or normalise it. ``predict`` turns those rules into the
exact outcome a value must have, so the hostile-input tests compare what happened
with what the rules promise.

Features add their fields here. Each ``endpoint`` must be a route of the app (the tests
fail otherwise, so a renamed route cannot silently drop its field).

Site-wide rules (docs/security.md):

* NUL (U+0000) anywhere in a request: 400 with ``dialogue.security.NUL_MESSAGE`` (on
  SQLite and PostgreSQL alike; PostgreSQL cannot store it).
* Bytes that are not valid UTF-8 (a lone surrogate cannot be encoded otherwise) are
  kept as their ``%XX`` escapes, which is how Werkzeug decodes them; they are never an
  error and never reach the database as invalid text.
* Fields with ``strip``: leading and trailing whitespace (Python's ``str.strip``) is
  trimmed. Fields with ``control``: control characters other than tab, newline and
  return are refused with a message; ``single_line`` fields (a one-line input) also
  refuse tab, newline, return, DEL, C1 controls and bidirectional controls.
  ``max_length``: longer values are refused with a message. ``required``: an empty
  value is refused with a message.
"""

from __future__ import annotations

import datetime as dt
import itertools
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from dialogue.auth.models import PendingRegistration
from dialogue.csvexport import FORMULA_TRIGGERS
from dialogue.db import utcnow
from dialogue.discussion import services as posts
from dialogue.extensions import db
from dialogue.forms import BIDI_CONTROLS
from dialogue.forums import services as forums
from dialogue.localities import all_localities
from dialogue.workshops import services as workshops
from tests.access import ADMIN, ANONYMOUS, FACILITATOR, PRACTITIONER, RESEARCHER, World
from tests.factories import Factory

_counter = itertools.count(1)

STORED = "stored"
REFUSED = "refused"
NOT_STORED = "not stored"  # the field is never kept (login, search): only "no 5xx"


@dataclass(frozen=True)
class Outcome:
    kind: str
    value: str | None = None
    status: int | None = None  # a required status for refusals (400 for NUL)


@dataclass(frozen=True)
class TextField:
    name: str
    endpoint: str
    method: str
    url: Callable[[World], str]
    role: str  # who sends it
    data: Callable[[World, str], dict]
    # Reads the stored value back from the database (None: nothing stored).
    read_back: Callable[[World], str | None] | None = None
    # A page that shows the stored value (escaped).
    page: Callable[[World], str] | None = None
    # Reads the value from the person's own data download (JSON), given the document.
    export: Callable[[dict], str | None] | None = None
    setup: Callable[[World], None] | None = None
    strip: bool = True
    control: bool = True
    single_line: bool = False
    required: bool = True
    max_length: int | None = None
    # Values the field's other validators (e.g. email syntax) may refuse: the outcome
    # is then "stored as predicted, or refused with a message".
    may_refuse: bool = False
    fresh_client: bool = False  # e.g. registration signs the client in
    extra_rules: dict = field(default_factory=dict)
    # Prepares a new client after sign-in (e.g. joins a workshop for its cookie).
    prepare_client: Callable[[World, object], None] | None = None
    # A field whose stored form is not the sent text (option lists): its own rules.
    predictor: Callable[[str], Outcome] | None = None
    # The research CSV that carries the value: (url, column, kind, id of the new row).
    csv: tuple[str, str, str, Callable[[World], int | None]] | None = None

    def predict(self, value: str) -> Outcome:
        """The outcome the documented rules promise for ``value``."""
        if self.predictor is not None:
            return self.predictor(value)
        wire = on_the_wire(value)
        if "\x00" in wire:
            return Outcome(REFUSED, status=400)
        if self.read_back is None:
            return Outcome(NOT_STORED)
        stored = wire.strip() if self.strip else wire
        if self.required and not stored.strip():
            return Outcome(REFUSED)
        if self.control and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in stored):
            return Outcome(REFUSED)
        if self.control and self.single_line and any(
                ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in BIDI_CONTROLS for ch in stored):
            return Outcome(REFUSED)
        if self.max_length is not None and len(stored) > self.max_length:
            return Outcome(REFUSED)
        return Outcome(STORED, stored)


def on_the_wire(value: str) -> str:
    """What the server decodes: invalid UTF-8 (lone surrogates) stays as %XX escapes."""
    import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler)

    raw = value.encode("utf-8", errors="surrogatepass")
    return raw.decode("utf-8", errors="werkzeug.url_quote")


def encode_form(data: dict) -> bytes:
    """URL-encode form data the way a client would, lone surrogates included."""
    return urllib.parse.urlencode(data, encoding="utf-8", errors="surrogatepass").encode()


def quote_query(value: str) -> str:
    return urllib.parse.quote(value, safe="", encoding="utf-8", errors="surrogatepass")


# --- the fields ---------------------------------------------------------------------

def _user(world: World, role: str = PRACTITIONER):
    return world.users[role]


def _profile_data(world: World, value: str) -> dict:
    return {"display_name": value, "education_role": "", "phase": "", "school_type": "",
            "locality_id": ""}


def _read_display_name(world: World) -> str:
    user = _user(world)
    db.session.refresh(user)
    return user.display_name


def _register_data(world: World, value: str) -> dict:
    world.register_email = f"hostile{next(_counter)}@dialogue.example.org"
    return {"email": world.register_email, "password": "correct horse battery",
            "display_name": value, "research_consent": "no", "education_role": "",
            "phase": "", "school_type": "", "locality_id": ""}


def _read_registered_name(world: World) -> str | None:
    # What registering stores until the address is confirmed (then copied to the User).
    return db.session.scalar(select(PendingRegistration.display_name)
                             .where(PendingRegistration.email == world.register_email))


def _register_email_data(world: World, value: str) -> dict:
    world.register_value = value
    return {"email": value, "password": "correct horse battery",
            "display_name": "Hostile email", "research_consent": "no", "education_role": "",
            "phase": "", "school_type": "", "locality_id": ""}


def _read_registered_email(world: World) -> str | None:
    wanted = on_the_wire(world.register_value).strip().lower()
    if "\x00" in wanted:  # refused before storage; PostgreSQL cannot even compare it
        return None
    return db.session.scalar(select(PendingRegistration.email)
                             .where(PendingRegistration.email == wanted))


def _locality_setup(world: World) -> None:
    world.locality = all_localities()[0]


def _read_locality(attr: str):
    def read(world: World) -> str:
        db.session.refresh(world.locality)
        return getattr(world.locality, attr)

    return read


def _mark(table: str):
    """Remember the newest id of ``table``, so the read-back finds the row this request made."""

    def mark(world: World) -> None:
        column = db.metadata.tables[table].c.id
        world.marks = getattr(world, "marks", {})
        world.marks[table] = db.session.scalar(select(func.max(column))) or 0

    return mark


def _new_row(table: str, column: str, **where):
    """Read ``column`` of the row added to ``table`` since the mark (None: nothing added)."""

    def read(world: World) -> str | None:
        t = db.metadata.tables[table]
        statement = select(t.c[column]).where(t.c.id > world.marks[table])
        for name, value in where.items():
            statement = statement.where(t.c[name] == value(world))
        return db.session.scalar(statement.order_by(t.c.id.desc()).limit(1))

    return read


def _with_mark(table: str, build):
    def data(world: World, value: str) -> dict:
        _mark(table)(world)
        return build(world, value)

    return data



def spreadsheet_safe(expected: str) -> str:
    """What the CSV must hold: the text itself, or with a leading apostrophe if a
    spreadsheet would run it as a formula."""
    return "'" + expected if expected.startswith(FORMULA_TRIGGERS) else expected

def _standing_thread(world: World) -> None:
    world.standing = forums.ensure_standing_threads()[0]


def _past_premoderation(world: World) -> None:
    """Give the practitioner approved posts, so new ones are visible (and researchable)."""
    _standing_thread(world)
    for _ in range(3):
        post = posts.create_post(_user(world), "An earlier post", thread=world.standing)
        post.status, post.approved_at = "visible", utcnow()
    db.session.flush()


def _finding_setup(world: World) -> None:
    world.finding = Factory().finding("hostile-finding", "A finding people comment on")
    _past_premoderation(world)


def _new_id(table: str):
    def read(world: World) -> int | None:
        t = db.metadata.tables[table]
        return db.session.scalar(select(t.c.id).where(t.c.id > world.marks[table])
                                 .order_by(t.c.id.desc()).limit(1))

    return read


CONTRIBUTIONS_CSV = "/research/export/contributions.csv"


def _post_to_flag(world: World, value: str) -> dict:
    """A fresh post (by someone else) for every sample: a person flags a post once."""
    _mark("flags")(world)
    world.flagged = posts.create_post(world.users[ADMIN], "A post to flag",
                                      thread=world.standing)
    prefix = f"flag-{world.flagged.id}"  # the form's prefix: many posts share a page
    return {f"{prefix}-reason": "other", f"{prefix}-detail": value}


def _workshop_setup(world: World) -> None:
    world.workshop = workshops.create_workshop(
        world.users[FACILITATOR], title="Hostile workshop", date=dt.date.today(),
        locality_id=None)
    world.open_question = workshops.add_question(
        world.workshop, world.users[FACILITATOR], kind="open_text", prompt="What would help?")
    workshops.control(world.workshop, world.users[FACILITATOR], "next")  # opens it


def _join_workshop(world: World, client) -> None:
    response = client.post("/join", data={"code": world.workshop.code})
    assert response.status_code == 302, response.status_code


def _read_open_answer(world: World) -> str | None:
    t = db.metadata.tables["workshop_responses"]
    return db.session.scalar(select(t.c.text).where(t.c.question_id == world.open_question.id))


SECOND_CHOICE = "A second, ordinary choice"
MAX_OPTIONS_TEXT, MAX_OPTION, MAX_OPTIONS = 3000, 300, 10


def _options_text(value: str) -> str:
    return f"{value}\n{SECOND_CHOICE}"


def _predict_options(value: str) -> Outcome:
    """The option-list rules: the whole text (stripped, no control characters, at most
    3,000) split into lines, each stripped, blanks dropped; 2 to 10 different choices of
    at most 300 characters. Stored: the choices in order (read back joined by newlines)."""
    wire = on_the_wire(_options_text(value))
    if "\x00" in wire:
        return Outcome(REFUSED, status=400)
    text = wire.strip()
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text) or len(text) > MAX_OPTIONS_TEXT:
        return Outcome(REFUSED)
    labels = [line.strip() for line in text.splitlines() if line.strip()]
    if (not 2 <= len(labels) <= MAX_OPTIONS or len(set(labels)) != len(labels)
            or any(len(label) > MAX_OPTION for label in labels)):
        return Outcome(REFUSED)
    return Outcome(STORED, "\n".join(labels))


def _read_new_options(world: World) -> str | None:
    questions = db.metadata.tables["workshop_questions"]
    options = db.metadata.tables["workshop_options"]
    newest = db.session.scalar(select(questions.c.id).where(
        questions.c.id > world.marks["workshop_questions"]).order_by(questions.c.id.desc()))
    if newest is None:
        return None
    labels = db.session.scalars(select(options.c.label).where(
        options.c.question_id == newest).order_by(options.c.position, options.c.id))
    return "\n".join(labels)


def _code_counter():
    return f"code-{next(_counter)}"


FIELDS: list[TextField] = [
    TextField(
        "profile.display_name", "auth.profile", "POST", lambda w: "/account", PRACTITIONER,
        _profile_data, read_back=_read_display_name, page=lambda w: "/account",
        export=lambda doc: doc["account"]["display_name"], max_length=80,
        single_line=True,
    ),
    TextField(
        "register.display_name", "auth.register", "POST", lambda w: "/register", ANONYMOUS,
        _register_data, read_back=_read_registered_name, max_length=80, fresh_client=True,
        single_line=True,
    ),
    TextField(
        "register.email", "auth.register", "POST", lambda w: "/register", ANONYMOUS,
        _register_email_data, read_back=_read_registered_email, max_length=254,
        may_refuse=True, fresh_client=True, control=False,
        extra_rules={"lower": True},
    ),
    TextField(
        "admin.locality.name", "admin.locality_detail", "POST",
        lambda w: f"/admin/localities/{w.locality.id}", ADMIN,
        lambda w, v: {"name": v, "description": "A description"},
        read_back=_read_locality("name"), page=lambda w: "/admin/localities",
        setup=_locality_setup, max_length=80,
        may_refuse=True,  # a name another locality already has is refused too
        single_line=True,
    ),
    TextField(
        "admin.locality.description", "admin.locality_detail", "POST",
        lambda w: f"/admin/localities/{w.locality.id}", ADMIN,
        lambda w, v: {"name": w.locality.name, "description": v},
        read_back=_read_locality("description"), page=lambda w: "/admin/localities",
        setup=_locality_setup, max_length=500, required=False,
        single_line=True,
    ),
    TextField(
        "login.email+password", "auth.login", "POST", lambda w: "/login", ANONYMOUS,
        lambda w, v: {"email": v, "password": v},
    ),
    TextField(
        "forgot_password.email", "auth.forgot_password", "POST", lambda w: "/password/forgot",
        ANONYMOUS, lambda w, v: {"email": v},
    ),
    TextField(
        "admin.users.search", "admin.users", "GET", lambda w: "/admin/", ADMIN,
        lambda w, v: {"q": v},
    ),
    TextField(
        "search.q", "search.search", "GET", lambda w: "/search", ANONYMOUS,
        lambda w, v: {"q": v},
    ),
    # --- forums, moderation, workshops, research, as they landed -------------------------
    TextField(
        "forums.thread.title", "forums.new_thread", "POST", lambda w: "/localities/locality-a/new",
        PRACTITIONER,
        _with_mark("threads", lambda w, v: {"title": v, "body": "An opening post"}),
        read_back=_new_row("threads", "title"), max_length=150,
        export=None,
        single_line=True,
    ),
    TextField(
        "forums.reply.body", "forums.reply", "POST",
        lambda w: f"/threads/{w.standing.id}/reply", PRACTITIONER,
        _with_mark("posts", lambda w, v: {"body": v}),
        read_back=_new_row("posts", "body"), setup=_past_premoderation,
        strip=False, max_length=10_000,
        csv=(CONTRIBUTIONS_CSV, "text", "post", _new_id("posts")),
    ),
    TextField(
        "workshops.title", "workshops.new", "POST", lambda w: "/workshops/new", FACILITATOR,
        _with_mark("workshops", lambda w, v: {"title": v, "date": "2026-12-01",
                                              "locality_id": ""}),
        read_back=_new_row("workshops", "title"), max_length=200,
        single_line=True,
    ),
    TextField(
        "research.codebook.definition", "reports.codebook", "POST", lambda w: "/research/codebook",
        RESEARCHER,
        _with_mark("research_codes", lambda w, v: {"code": _code_counter(), "parent": "",
                                                   "definition": v}),
        read_back=_new_row("research_codes", "definition"), max_length=2000,
    ),
    TextField(
        "moderation.finding_comment.body", "briefings.comment", "POST",
        lambda w: f"/findings/{w.finding.key}/comments", PRACTITIONER,
        _with_mark("posts", lambda w, v: {"body": v}),
        read_back=_new_row("posts", "body"), setup=_finding_setup,
        strip=False, max_length=10_000,
        csv=(CONTRIBUTIONS_CSV, "text", "comment", _new_id("posts")),
    ),
    TextField(
        "moderation.flag.detail", "moderation.flag_post", "POST",
        lambda w: f"/posts/{w.flagged.id}/flag", PRACTITIONER, _post_to_flag,
        read_back=_new_row("flags", "detail"), setup=_standing_thread, max_length=1000,
        single_line=True,
    ),
    TextField(
        "workshops.question.prompt", "workshops.question_new", "POST",
        lambda w: f"/workshops/{w.workshop.id}/questions/new", FACILITATOR,
        _with_mark("workshop_questions", lambda w, v: {"kind": "open_text", "prompt": v}),
        read_back=_new_row("workshop_questions", "prompt"), setup=_workshop_setup,
        page=lambda w: f"/workshops/{w.workshop.id}", max_length=1000,
    ),
    TextField(
        "workshops.question.options", "workshops.question_new", "POST",
        lambda w: f"/workshops/{w.workshop.id}/questions/new", FACILITATOR,
        _with_mark("workshop_questions", lambda w, v: {
            "kind": "single", "prompt": "Pick one", "options": _options_text(v)}),
        read_back=_read_new_options, setup=_workshop_setup, predictor=_predict_options,
    ),
    TextField(
        "workshops.answer.open_text", "workshops.answer", "POST",
        lambda w: f"/j/{w.workshop.code}/answer", ANONYMOUS,
        lambda w, v: {"question_id": str(w.open_question.id), "text": v},
        read_back=_read_open_answer, setup=_workshop_setup, prepare_client=_join_workshop,
        max_length=500,
    ),
]
