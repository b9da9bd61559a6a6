"""``check_configuration``: each production mistake is named; a sound configuration passes."""

from __future__ import annotations

import pytest

from dialogue.config_check import check_configuration

SOUND = {
    "ENV_NAME": "production",
    "SECRET_KEY": "x" * 48,
    "PUBLIC_URL": "https://dialogue.example.org",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://dialogue@db/dialogue",
    "REDIS_URL": "redis://cache:6379/0",
    "MAIL_BACKEND": "smtp",
    "SESSION_COOKIE_SECURE": True,
    "RATELIMIT_ENABLED": True,
}


def test_a_sound_production_configuration_passes():
    report = check_configuration(SOUND, environ={"WEB_CONCURRENCY": "4"})
    assert report.ok, report.problems
    assert report.warnings == []


@pytest.mark.parametrize(("change", "environ", "says"), [
    ({"SECRET_KEY": None}, {}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "short"}, {}, "shorter than 32"),
    ({"PUBLIC_URL": None}, {}, "PUBLIC_URL is not set"),
    ({"PUBLIC_URL": "http://dialogue.example.org"}, {}, "https://"),
    ({"PUBLIC_URL": "https://dialogue.example.org/app"}, {}, "without a path"),
    ({"DEBUG": True}, {}, "Debug mode is on"),
    ({"REDIS_URL": None}, {"WEB_CONCURRENCY": "4"}, "without REDIS_URL"),
    ({"SESSION_COOKIE_SECURE": False}, {}, "SESSION_COOKIE_SECURE"),
    ({"RATELIMIT_ENABLED": False}, {}, "RATELIMIT_ENABLED"),
])
def test_each_problem_is_named(change, environ, says):
    report = check_configuration({**SOUND, **change}, environ=environ)
    assert not report.ok
    assert any(says in problem for problem in report.problems), report.problems


@pytest.mark.parametrize(("change", "says"), [
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/dialogue.sqlite3"}, "SQLite"),
    ({"MAIL_BACKEND": "log"}, "MAIL_SERVER"),
])
def test_warnings_do_not_stop_a_start(change, says):
    report = check_configuration({**SOUND, **change}, environ={})
    assert report.ok
    assert any(says in warning for warning in report.warnings)


def test_one_worker_without_redis_is_fine():
    report = check_configuration({**SOUND, "REDIS_URL": None}, environ={"WEB_CONCURRENCY": "1"})
    assert report.ok


def test_development_needs_no_public_address():
    report = check_configuration({**SOUND, "ENV_NAME": "development", "PUBLIC_URL": None,
                                  "SESSION_COOKIE_SECURE": False}, environ={})
    assert report.ok


def test_plain_http_on_loopback_is_a_trial_not_a_refusal():
    """`make stack` runs production on http://127.0.0.1: warned, not refused."""
    report = check_configuration({**SOUND, "PUBLIC_URL": "http://127.0.0.1:8080",
                                  "SESSION_COOKIE_SECURE": False}, environ={})
    assert report.ok, report.problems
    assert any("loopback" in warning for warning in report.warnings)


def test_plain_http_on_a_public_name_is_still_refused():
    report = check_configuration({**SOUND, "PUBLIC_URL": "http://127.0.0.1.example.org",
                                  "SESSION_COOKIE_SECURE": False}, environ={})
    assert not report.ok
    assert any("https://" in problem for problem in report.problems)
    assert any("SESSION_COOKIE_SECURE" in problem for problem in report.problems)


def test_the_command_exits_non_zero_on_a_problem(app, runner):
    app.config.update(ENV_NAME="production", PUBLIC_URL="http://dialogue.example.org",
                      SESSION_COOKIE_SECURE=True, SECRET_KEY="x" * 48, DEBUG=False)
    result = runner.invoke(args=["dialogue", "check-config"])
    assert result.exit_code == 1
    assert "problem: PUBLIC_URL must be an https:// address" in result.output


def test_the_command_passes_a_sound_configuration(app, runner):
    app.config.update(SOUND)
    result = runner.invoke(args=["dialogue", "check-config"])
    assert result.exit_code == 0, result.output
    assert "configuration ok (production" in result.output
