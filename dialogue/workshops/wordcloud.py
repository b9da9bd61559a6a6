"""Open-text answers as a word cloud: words, their counts, a drawn SVG and the facilitator's edits.

Only what the room may see goes in: the caller passes the visible answers (never the ones
the facilitator hid), and a word the facilitator hid or merged is applied here, so the
results page, the PDF and the phones' results show the same cloud (the audience screen
shows the answers themselves, as cards). A word counts once per answer that uses it, so
one person repeating a word cannot make it the biggest.

The layout is deterministic (same words, same picture; no randomness, no state): words
are placed largest first along a spiral from the centre, each where its box overlaps no
box placed before it; a word that finds no room is left out of the picture (it stays in
the table beside it). The page's CSP forbids inline styles, so the SVG uses presentation
attributes only.

A picture is drawn for a frame, a unit a CSS pixel: a page shows it at that size, or
smaller where its column is narrower, never larger (one word drawn four times its size
says nothing more). The wide frame (720 units) shrank to half in a phone's 360 px column,
which made its smallest words 7.5 px; so pages also draw a narrow frame, about the width
of that column, with fewer words, and CSS shows the one that fits (the PDF prints the wide
one, to the page's width).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import select

from dialogue import audit
from dialogue.extensions import db
from dialogue.refusals import Unprocessable
from dialogue.templating import isolate
from dialogue.workshops.models import Question, QuestionKind
from dialogue.workshops.wordcloud_models import MAX_WORD, WordEdit

# Common English words, and words every answer in these workshops shares, left out.
STOP_WORDS = frozenset("""
a about above across after again against all almost along already also although always am
among an and another any anyone anything are around as at away be became because become
been before being below between both but by can cannot could did do does doing done down
during each either else enough etc even ever every few for from further get gets getting
give given go goes going got had has have having he her here hers herself him himself his
how however i if in instead into is isn't it it's its itself just keep know less let lets
like make makes making many may me might more most much must my myself need needs neither
never no nor not nothing now of off often on once one ones only onto or other others our
ours ourselves out over own per perhaps quite rather really same see seem she should since
so some something still such than that that's the their theirs them themselves then there
there's these they they're thing things think this those though through thus to together
too toward towards under until up upon us use used using very via want was way ways we
well were what whatever when where whether which while who whom whose why will with within
without would yet you your yours yourself school schools
""".split())  # noqa: SIM905 - a list to read and edit, one word after another
WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
MIN_LENGTH = 3
MAX_WORDS = 40

PAD = 4
SPIRAL_PITCH = 12  # px between the spiral's rings
STEP = 6  # px between points along it


@dataclass(frozen=True)
class Frame:
    """The box a picture is laid out in (shrunk to what the words fill), its font sizes
    by frequency, and how many words it takes at most."""

    width: int
    height: int
    min_font: int
    max_font: int
    max_words: int = MAX_WORDS

    @property
    def aspect(self) -> float:
        return self.width / self.height


# Pages and the PDF: 720 units shown at most 48rem wide, so never smaller than drawn
# above a phone's width (at 641 px, the narrowest window given it, 15 units is 12 px).
WIDE = Frame(720, 420, 15, 60)
# Phones: the 360 px column of a 390 px screen, so a unit is a pixel or more there (and
# 13 units stay 12 px on a 360 px screen); taller than wide, and 24 words at most, so
# that the smallest still find room at a readable size.
NARROW = Frame(340, 400, 13, 40, max_words=24)
WIDTH, HEIGHT, MIN_FONT, MAX_FONT = WIDE.width, WIDE.height, WIDE.min_font, WIDE.max_font
# Bold Arial advance widths (em) for lower-case text; anything else as an average letter.
_NARROW = dict.fromkeys("ijl'", 0.30) | dict.fromkeys("ftr-", 0.40)
_WIDE = dict.fromkeys("mw", 0.90)
AVERAGE_LETTER = 0.62
COLOURS = ("#1d70b8", "#0b0c0c", "#00703c", "#4c2c92", "#6f3300")


class WordEditRefused(Unprocessable):
    """A word cloud edit that cannot be made as asked (422)."""


def tokens(text: str) -> set[str]:
    """The distinct words of one answer worth counting: lower case, stop words left out."""
    words = WORD.findall(text.replace("\u2019", "'").lower())
    return {w for w in words if MIN_LENGTH <= len(w) <= MAX_WORD and w not in STOP_WORDS}


def _target(word: str, edits: Mapping[str, str | None]) -> str | None:
    """Where a word's answers count after the edits: itself, a merged word, or None (hidden)."""
    seen = set()
    while word in edits and word not in seen:
        seen.add(word)
        word = edits[word]
        if word is None:
            return None
    return word


def word_counts(texts: Iterable[str], edits: Mapping[str, str | None] | None = None,
                limit: int = MAX_WORDS) -> list[tuple[str, int]]:
    """How many answers use each word, most used first, with the edits applied."""
    edits = edits or {}
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update({target for word in tokens(text)
                        if (target := _target(word, edits)) is not None})
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


# --- the picture --------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    word: str
    count: int
    x: float  # the middle of the word's baseline
    y: float
    size: int
    box: tuple[float, float, float, float]  # left, top, right, bottom


def text_width(word: str, size: float) -> float:
    """A generous estimate of the word's width in bold Arial at this size."""
    ems = sum(_NARROW.get(ch, _WIDE.get(ch, AVERAGE_LETTER)) for ch in word)
    return ems * size * 1.05


def font_size(count: int, low: int, high: int, words: int, frame: Frame = WIDE) -> int:
    """From the frame's smallest (the least used) to its largest (the most), by the
    square root; the largest shrinks as the words grow in number, so that they all find
    room."""
    smallest = frame.min_font
    largest = max(smallest + 10,
                  min(frame.max_font, round(frame.max_font * math.sqrt(10 / max(words, 1)))))
    if high == low:
        return (smallest + largest) // 2 if high > 1 else smallest + 9
    share = math.sqrt((count - low) / (high - low))
    return round(smallest + share * (largest - smallest))


def _box(x: float, y: float, width: float, size: float) -> tuple[float, float, float, float]:
    return (x - width / 2 - PAD, y - 0.80 * size - PAD, x + width / 2 + PAD, y + 0.25 * size + PAD)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(box, frame: Frame) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= frame.width and box[3] <= frame.height


def _find_room(word: str, size: int, placed: list[Placed], frame: Frame) -> tuple | None:
    """The first point on the spiral (rings about SPIRAL_PITCH apart, points a few pixels
    apart along it) where the word fits, or None. The spiral is an ellipse the shape of
    the box, followed until it is well past the box's corners."""
    width = text_width(word, size)
    if width + 2 * PAD > frame.width:
        return None
    reach = frame.height / 2 * max(frame.aspect, 1 / frame.aspect, 1.5)
    angle = 0.0
    while (radius := SPIRAL_PITCH * angle / (2 * math.pi)) < reach:
        x = frame.width / 2 + radius * math.cos(angle) * frame.aspect
        y = frame.height / 2 + 0.3 * size + radius * math.sin(angle)
        box = _box(x, y, width, size)
        if _inside(box, frame) and not any(_overlaps(box, p.box) for p in placed):
            return x, y, box
        angle += min(0.5, STEP / (radius + 1))
    return None


@lru_cache(maxsize=256)
def layout(words: tuple[tuple[str, int], ...], frame: Frame = WIDE) -> tuple[Placed, ...]:
    """Place the words (the frame's most used), largest first; a pure function of the
    words and the frame, so it is cached."""
    words = words[:frame.max_words]
    if not words:
        return ()
    counts = [count for _, count in words]
    low, high = min(counts), max(counts)
    placed: list[Placed] = []
    for word, count in words:
        size = font_size(count, low, high, len(words), frame)
        while size >= frame.min_font:
            room = _find_room(word, size, placed, frame)
            if room is not None:
                x, y, box = room
                placed.append(Placed(word, count, x, y, size, box))
                break
            size = math.floor(size * 0.85)
    return tuple(placed)


def cloud_svg(words: Sequence[tuple[str, int]], *, title: str, frame: Frame = WIDE) -> Markup:
    """The words drawn as an SVG image, titled and described for screen readers."""
    placed = layout(tuple(words), frame)
    narrow = frame is NARROW
    svg_id = "cloud-" + hashlib.sha1(repr((title, list(words), frame)).encode(),
                                     usedforsecurity=False).hexdigest()[:10]
    if placed:
        left = max(0, min(p.box[0] for p in placed) - PAD)
        top = max(0, min(p.box[1] for p in placed) - PAD)
        right = min(frame.width, max(p.box[2] for p in placed) + PAD)
        bottom = min(frame.height, max(p.box[3] for p in placed) + PAD)
    else:
        left, top, right, bottom = 0, 0, frame.width, 60
    # Isolated, so that a right-to-left word does not pull its count into its run.
    most = ", ".join(f"{isolate(word)} ({count})" for word, count in list(words)[:5])
    shown = "" if len(placed) == len(words) else f", {len(placed)} of them drawn"
    description = (f"{len(words)} {'word' if len(words) == 1 else 'words'}{shown}; used "
                   f"most: {most}. Every word and its count is in the table.") if words else \
        "No words yet."
    parts = [
        f'<svg class="dialogue-cloud__svg dialogue-cloud__svg--{"narrow" if narrow else "wide"}" '
        f'role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" '
        f'viewBox="{left:.0f} {top:.0f} {right - left:.0f} {bottom - top:.0f}" '
        f'width="{right - left:.0f}" height="{bottom - top:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(description)}</desc>',
    ]
    for index, p in enumerate(placed):
        parts.append(
            f'<text x="{p.x:.1f}" y="{p.y:.1f}" font-size="{p.size}" font-weight="700" '
            f'font-family="Arial, &quot;Liberation Sans&quot;, sans-serif" '
            f'text-anchor="middle" fill="{COLOURS[index % len(COLOURS)]}">'
            f"{escape(p.word)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped


# --- the facilitator's edits --------------------------------------------------------------


def edits_for(question: Question) -> dict[str, str | None]:
    """This question's edits: word -> the word it is merged into, or None when hidden."""
    rows = db.session.execute(select(WordEdit.word, WordEdit.merge_into)
                              .where(WordEdit.question_id == question.id)).all()
    return dict(rows)


def edit_list(question: Question) -> list[WordEdit]:
    """This question's edits as rows, in the order they were made, to list and undo."""
    return list(db.session.scalars(select(WordEdit).where(WordEdit.question_id == question.id)
                                   .order_by(WordEdit.created_at, WordEdit.id)))


def _word(text: str | None) -> str:
    word = (text or "").strip().replace("\u2019", "'").lower()
    if not word or WORD.fullmatch(word) is None or len(word) > MAX_WORD:
        raise WordEditRefused(f"Enter one word (letters only, up to {MAX_WORD}).")
    return word


def _set_edit(question: Question, actor, word: str, merge_into: str | None) -> WordEdit:
    if question.kind != QuestionKind.OPEN_TEXT:
        raise WordEditRefused("Only open-text questions have a word cloud.")
    edit = db.session.scalar(select(WordEdit).where(WordEdit.question_id == question.id,
                                                    WordEdit.word == word))
    if edit is None:
        edit = WordEdit(question_id=question.id, word=word)
        db.session.add(edit)
    edit.merge_into = merge_into
    edit.created_by_id = actor.id
    db.session.flush()
    audit.record("workshops", "word_edit", actor, "question", question.id, word=word,
                 merge_into=merge_into)
    return edit


def hide_word(question: Question, actor, word: str) -> WordEdit:
    """Leave a word out of this question's cloud and table."""
    return _set_edit(question, actor, _word(word), None)


def merge_words(question: Question, actor, word: str, into: str) -> WordEdit:
    """Count the answers using ``word`` for ``into`` instead (e.g. "teachers" into "teacher")."""
    word, into = _word(word), _word(into)
    if word == into:
        raise WordEditRefused("Choose two different words to merge.")
    if _target(into, {**edits_for(question), word: into}) != into:
        raise WordEditRefused(f"“{into}” is itself hidden or merged: undo that first.")
    return _set_edit(question, actor, word, into)


def undo_edit(question: Question, actor, edit_id: int) -> None:
    """Take back one edit: the word counts as itself again."""
    edit = db.session.get(WordEdit, edit_id)
    if edit is None or edit.question_id != question.id:
        raise WordEditRefused("That change is not one of this question's.")
    db.session.delete(edit)
    db.session.flush()
    audit.record("workshops", "word_edit_undo", actor, "question", question.id,
                 word=edit.word)
