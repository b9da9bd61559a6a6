"""Configuration: safe defaults, overridden by environment variables.

Every variable read here is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Make ``postgres://`` and ``postgresql://`` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Browsers refuse a "__Host-" cookie without Secure: plain HTTP uses these names.
PLAIN_COOKIE_NAMES = {"SESSION_COOKIE_NAME": "session", "REMEMBER_COOKIE_NAME": "remember_token"}


class Config:
    """Production-safe defaults. ``from_env`` fills in what the environment says."""

    ENV_NAME = "production"
    TESTING = False
    SECRET_KEY: str | None = None
    INSTANCE_PATH: str | None = None

    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL: str | None = None

    # Requests: 2 MiB is far above any form the site has.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    # "__Host-": the browser takes the cookie only over HTTPS, for this exact host and
    # path /, so a sibling subdomain or a plain-HTTP page cannot plant or replace it.
    # Only with Secure cookies (DevelopmentConfig, SESSION_COOKIE_SECURE=0: plain names).
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember_token"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_PROXIES = 0
    # The site's public origin (https://dialogue.example.org). Every absolute URL (reset
    # links, mail, QR codes, join links) is built from it, never from a request's Host
    # header, and requests for any other host are refused. Required in production.
    PUBLIC_URL: str | None = None

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # None: a SQLite file in the instance folder that every worker of this machine shares
    # (dialogue/ratelimits.py); REDIS_URL sets Redis, shared across machines.
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    REGISTER_RATE_LIMIT = "5 per minute;30 per hour"
    PASSWORD_RESET_RATE_LIMIT = "5 per minute;20 per hour"  # noqa: S105 - not a secret
    POST_RATE_LIMIT = "6 per minute;60 per hour"
    VOTE_RATE_LIMIT = "60 per minute"
    JOIN_RATE_LIMIT = "30 per minute"  # wrong join codes from one address
    # New ballots (joins that create a participant): a room of 300 behind one school
    # address must all join within a minute; one script must not cast thousands.
    JOINS_PER_ADDRESS_RATE_LIMIT = "400 per minute;1000 per hour"
    JOINS_PER_WORKSHOP_RATE_LIMIT = "1000 per minute"

    MAIL_BACKEND = "log"  # "smtp" when MAIL_SERVER is set; "memory" in tests
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_DEFAULT_SENDER = "Dialogue <no-reply@dialogue.invalid>"
    # The outbox (dialogue/mail.py): attempts before a message is given up (the backoff
    # doubles from 1 minute to at most 6 hours: 12 attempts span about 1.5 days), how
    # long one attempt holds a message, how long settled messages are kept.
    MAIL_MAX_ATTEMPTS = 12
    MAIL_CLAIM_SECONDS = 300
    MAIL_OUTBOX_RETENTION = timedelta(days=7)
    # Daily digests go after this hour (UTC); weekly ones on Mondays after it.
    DIGEST_HOUR = 7

    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    # How long a registration's confirmation link works (the account is made by it).
    EMAIL_CONFIRMATION_MAX_AGE = timedelta(hours=48)
    PRE_MODERATED_POSTS = 2
    FLAGS_TO_HIDE = 3
    EDIT_WINDOW = timedelta(minutes=30)

    CONTENT_DIR = str(PROJECT_ROOT / "content" / "briefings")
    # How often (seconds) each worker asks the database whether briefing content or
    # comment counts changed; the pages in between are served from the worker's cache.
    BRIEFING_PAGE_CHECK_SECONDS = 1.0
    # How long each worker may reuse a workshop's live version to answer "unchanged" to
    # phones' polls (dialogue/workshops/poll_shortcut.py).
    LIVE_POLL_CACHE_SECONDS = 0.25
    JOB_QUEUE_IMMEDIATE = False
    # Limits of the child process a big job (a PDF) runs in: priority, seconds, MiB of
    # address space (WeasyPrint maps more than it touches).
    JOB_NICE = 10
    JOB_TIME_LIMIT = 120
    JOB_MEMORY_LIMIT_MB = 1536
    # Where erasures are also written, outside the database, so a restore re-applies
    # them; None means ``<instance>/erasures.jsonl``.
    ERASURE_LOG: str | None = None
    EXPORT_RETENTION = timedelta(hours=24)

    @classmethod
    def from_env(cls) -> dict:
        """Return the settings the environment overrides, as a plain dict."""
        env = os.environ
        values: dict = {}
        if env.get("SECRET_KEY"):
            values["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
        if env.get("REDIS_URL"):
            values["REDIS_URL"] = env["REDIS_URL"]
            values["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        if env.get("RATELIMIT_STORAGE_URI"):
            values["RATELIMIT_STORAGE_URI"] = env["RATELIMIT_STORAGE_URI"]
        if env.get("MAIL_SERVER"):
            values["MAIL_BACKEND"] = "smtp"
            values["MAIL_SERVER"] = env["MAIL_SERVER"]
            values["MAIL_PORT"] = _env_int("MAIL_PORT", cls.MAIL_PORT)
            values["MAIL_USERNAME"] = env.get("MAIL_USERNAME")
            values["MAIL_PASSWORD"] = env.get("MAIL_PASSWORD")
            values["MAIL_USE_TLS"] = _env_bool("MAIL_USE_TLS", True)
        if env.get("MAIL_DEFAULT_SENDER"):
            values["MAIL_DEFAULT_SENDER"] = env["MAIL_DEFAULT_SENDER"]
        if "SESSION_COOKIE_SECURE" in env:
            secure = _env_bool("SESSION_COOKIE_SECURE", True)
            values["SESSION_COOKIE_SECURE"] = secure
            values["REMEMBER_COOKIE_SECURE"] = secure
            if not secure:
                values.update(PLAIN_COOKIE_NAMES)
        if env.get("PUBLIC_URL"):
            values["PUBLIC_URL"] = env["PUBLIC_URL"]
        if env.get("TRUSTED_PROXIES"):
            values["TRUSTED_PROXIES"] = _env_int("TRUSTED_PROXIES", 0)
        if "RATELIMIT_ENABLED" in env:
            values["RATELIMIT_ENABLED"] = _env_bool("RATELIMIT_ENABLED", True)
        if env.get("CONTENT_DIR"):
            values["CONTENT_DIR"] = env["CONTENT_DIR"]
        if env.get("PRE_MODERATED_POSTS"):
            values["PRE_MODERATED_POSTS"] = _env_int("PRE_MODERATED_POSTS", 2)
        if env.get("FLAGS_TO_HIDE"):
            values["FLAGS_TO_HIDE"] = _env_int("FLAGS_TO_HIDE", 3)
        return values


class DevelopmentConfig(Config):
    """Local development: plain HTTP on loopback, mail to the log."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "session"
    REMEMBER_COOKIE_NAME = "remember_token"
    PREFERRED_URL_SCHEME = "http"


class TestConfig(DevelopmentConfig):
    """The test suite: a throwaway database, mail kept in memory, jobs run inline."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    MAIL_BACKEND = "memory"
    RATELIMIT_STORAGE_URI = "memory://"
    # Tests that check these turn them back on; the rest stay short and readable.
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    JOB_QUEUE_IMMEDIATE = True
    SERVER_NAME = "localhost"
    BRIEFING_PAGE_CHECK_SECONDS = 0.0
    LIVE_POLL_CACHE_SECONDS = 0.0


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestConfig,
}


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def public_address_settings(public_url: str) -> dict:
    """The Flask settings that pin URLs and accepted hosts to ``public_url``.

    ``SERVER_NAME`` makes ``url_for(..., _external=True)`` use the configured host even
    inside a request (Flask 3.1 no longer routes by it); ``TRUSTED_HOSTS`` answers 400 to
    a request naming any other host.
    """
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"PUBLIC_URL must be an http(s):// origin, not {public_url!r}.")
    hosts = [parts.hostname]
    if parts.hostname in LOOPBACK_NAMES:  # `make run`: either loopback name reaches it
        hosts = list(LOOPBACK_NAMES)
    return {
        "SERVER_NAME": parts.netloc,
        "PREFERRED_URL_SCHEME": parts.scheme,
        "TRUSTED_HOSTS": hosts,
    }


def resolve_config(config: object | dict | str | None) -> tuple[type[Config], dict]:
    """Pick the config class (by name, class or env) and the overrides to apply."""
    overrides: dict = {}
    if isinstance(config, dict):
        overrides = dict(config)
        config = overrides.pop("CONFIG", None)
    if config is None:
        config = os.environ.get("DIALOGUE_ENV", "production")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    return config_class, overrides


def secret_key_for(instance_path: Path) -> str:
    """Development only: a random key generated once and kept in ``instance/``."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
