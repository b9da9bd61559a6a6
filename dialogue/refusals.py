"""Refusals: a service saying "no" with the HTTP status and the message a person reads.

Services raise these; views catch the ones they can show in place (a form kept with its
error, a fragment with a notice) and let the rest reach the error handler in
``dialogue.errors``, which renders the message with the refusal's status. No view picks
a status by reading an exception's text.
"""

from __future__ import annotations


class Refusal(Exception):
    """An action refused with a message for the person who asked. 409 unless a subclass says."""

    status: int = 409

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class InvalidTransition(Refusal):
    """The thing's current state does not allow the action (a closed question, a deleted post)."""

    status = 409


class Unprocessable(Refusal):
    """What was sent cannot be used as it is (too long, a choice that does not exist)."""

    status = 422


class NotPermitted(Refusal):
    """The person may not do this. Becomes a 403, never an unhandled 500."""

    status = 403
