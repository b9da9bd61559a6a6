"""What is wrong with a configuration, said before it serves anyone.

``flask dialogue check-config`` prints these and exits non-zero on a problem; the
container and the systemd units run it before starting. Warnings are printed but do
not stop a start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class ConfigReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _workers(environ: Mapping[str, str]) -> int:
    raw = environ.get("WEB_CONCURRENCY") or environ.get("GUNICORN_WORKERS") or "1"
    return int(raw) if raw.isdigit() else 1


def check_configuration(config: Mapping, environ: Mapping[str, str] | None = None
                        ) -> ConfigReport:
    """Problems (refuse to start) and warnings for ``config`` as the app will run it."""
    environ = os.environ if environ is None else environ
    report = ConfigReport()
    production = config.get("ENV_NAME") == "production"
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        report.problems.append("SECRET_KEY is not set: sessions and links cannot be signed.")
    elif production and len(secret) < 32:
        report.problems.append("SECRET_KEY is shorter than 32 characters: use a long random "
                               "value (python3 -c 'import secrets; "
                               "print(secrets.token_urlsafe(48))').")
    public_url = config.get("PUBLIC_URL") or ""
    # A plain-HTTP loopback address (`make stack`, a trial on one machine) reaches nobody
    # else, so HTTP and insecure cookies are warnings there, not reasons to refuse.
    trial = _is_loopback_http(public_url)
    if production and trial:
        report.warnings.append(f"PUBLIC_URL {public_url} is plain HTTP on loopback: a "
                               "trial on this machine only, never a public site.")
    elif production:
        _check_public_url(public_url, report)
    if config.get("DEBUG"):
        report.problems.append("Debug mode is on: it shows code and lets anyone run it.")
    database = config.get("SQLALCHEMY_DATABASE_URI") or ""
    redis = config.get("REDIS_URL")
    if production and _workers(environ) > 1 and not redis:
        report.problems.append(
            "Several web workers without REDIS_URL: each worker would count rate limits "
            "alone. Set REDIS_URL, or run one worker.")
    if production and database.startswith("sqlite"):
        report.warnings.append("The database is SQLite: fine on one machine; several "
                               "machines need PostgreSQL (DATABASE_URL).")
    if production and config.get("MAIL_BACKEND") == "log":
        report.warnings.append("MAIL_SERVER is not set: password resets and notifications "
                               "are only written to the log.")
    if production and not config.get("SESSION_COOKIE_SECURE") and not trial:
        report.problems.append("SESSION_COOKIE_SECURE is off: session cookies would travel "
                               "over plain HTTP.")
    if production and not config.get("RATELIMIT_ENABLED", True):
        report.problems.append("RATELIMIT_ENABLED is off: password guessing is not slowed.")
    return report


def _is_loopback_http(public_url: str) -> bool:
    parts = urlsplit(public_url)
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}


def _check_public_url(public_url: str, report: ConfigReport) -> None:
    if not public_url:
        report.problems.append(
            "PUBLIC_URL is not set: links in mail, QR codes and join links need the site's "
            "public address (for example https://dialogue.example.org).")
        return
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.hostname:
        report.problems.append(f"PUBLIC_URL must be an https:// address, not {public_url!r}.")
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        report.problems.append("PUBLIC_URL must be the site's origin only, without a path.")
