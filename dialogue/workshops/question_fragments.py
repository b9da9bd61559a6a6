"""The open question's answer form, rendered once per worker for everyone who has not
answered it yet.

When the facilitator presses *Next*, every phone in the room asks for the new question
within the same second. For nearly all of them the fragment is the same HTML: the new
question and an empty form. Rendering it afresh for each (loading the question and its
options, then the templates) made this burst the slowest moment of a live workshop. So
the first phone's request renders it once, and the rest of the room gets the same bytes:
from the poll shortcut, before Flask, or from the view.

What makes this safe:
- An entry is keyed by the workshop's code, id and ``state_version``, which moves on
  whenever the question, its state or what it shows changes (``live.bump``), so an
  entry is never stale; old versions simply stop being asked for. (A restore from
  backup can move versions back: restart the app after one, as docs/deployment.md says.)
- Only an *open* question's blank form is kept: nothing personal (no answer) and no
  results (which a facilitator may still moderate) are ever in it.
- It carries no CSRF token: it only ever arrives by htmx, which sends the token the page
  holds in ``<body hx-headers>``.
- It is a per-process copy of a rendering of database state, not state itself: each
  worker fills its own and any may be restarted at any time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

MAX_ENTRIES = 256


@dataclass(frozen=True)
class BlankForm:
    question_id: int
    html: str


class BlankFormCache:
    """A small map of (code, workshop id, state version) -> BlankForm for this process."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: dict[tuple[str, int, int], BlankForm] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, code: str, workshop_id: int, state_version: int) -> BlankForm | None:
        return self._entries.get((code, workshop_id, state_version))

    def put(self, code: str, workshop_id: int, state_version: int, form: BlankForm) -> None:
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()  # old versions are never asked for again
            self._entries[(code, workshop_id, state_version)] = form


blank_forms = BlankFormCache()
