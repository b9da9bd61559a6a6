"""A real SMTP server on loopback (aiosmtpd) for the mail tests, and the settings of an
app that sends to it, with its public address pinned to PUBLIC_URL."""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port

PUBLIC_URL = "https://dialogue.example.org"


@dataclass
class RecordingHandler:
    """Accepts messages, or refuses the next ``refuse`` of them with ``refusal``."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    refusal: str = "451 4.3.0 Try again later"
    refuse_recipient: str = ""  # an address answered "550 no such mailbox" at RCPT
    conversations: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse_recipient:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.conversations += 1
        if self.refuse:
            self.refuse -= 1
            return self.refusal
        self.received.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """The running server's handler (``.received``, ``.refuse``) and port."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def smtp_settings(port: int) -> dict:
    """The app settings that send mail to the test server, links on PUBLIC_URL."""
    return {
        "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
        "MAIL_USE_TLS": False, "PUBLIC_URL": PUBLIC_URL,
        "MAIL_DEFAULT_SENDER": "Dialogue <no-reply@dialogue.example.org>",
    }
