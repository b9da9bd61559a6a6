"""`make run` loads the demo with `flask dialogue demo` outside any request: it must work
there (the unit tests' SERVER_NAME would hide a url_for that needs a request)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.helpers import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_flask_dialogue_demo_runs_as_make_run_does(tmp_path):
    """Schema, then the demo twice (idempotent), in development config, no SERVER_NAME."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "SERVER_NAME"}}
    env["DIALOGUE_ENV"] = "development"
    env["FLASK_APP"] = "wsgi:app"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    create = ("from dialogue import create_app; from dialogue.schema import create_all; "
              "app = create_app(); app.app_context().push(); create_all()")
    subprocess.run([sys.executable, "-c", create], cwd=PROJECT_ROOT, env=env, check=True,
                   timeout=60)
    flask = [sys.executable, "-m", "flask", "dialogue", "demo"]
    first = subprocess.run(flask, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "admin@dialogue.example.org" in first.stdout
    second = subprocess.run(flask, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "nothing added" in second.stdout
