"""schemathesis 4 against the research API over HTTP on loopback (issue 16, point 5).

The app is served by werkzeug in a thread of this process, on this test's own database,
and schemathesis (its command line, as CI or a person would run it) reads the OpenAPI
document the API serves and sends what the document allows and what it does not
(the coverage and fuzzing phases), with every check on: no 5xx, answers match their
schemas and documented statuses, invalid requests refused. A fixed seed keeps a run
reproducible; a failure prints schemathesis' own report with a curl line to replay.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from dialogue.extensions import db
from dialogue.reports.services import create_api_token

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def served(app):
    app.config.update(SERVER_NAME=None, TESTING=False)  # real error answers, any port
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.slow
@pytest.mark.skipif(not SCHEMATHESIS.exists() and not shutil.which("schemathesis"),
                    reason="schemathesis is not installed")
def test_schemathesis_finds_nothing_in_the_research_api(served, factory, tmp_path):
    researcher = factory.user(role="researcher")
    _, secret = create_api_token(researcher, "schemathesis")
    db.session.commit()
    command = [str(SCHEMATHESIS if SCHEMATHESIS.exists() else shutil.which("schemathesis")),
               "run", f"{served}/api/v1/openapi.json", "--url", served,
               "-H", f"Authorization: Bearer {secret}", "--checks", "all",
               "--phases", "examples,coverage,fuzzing", "--max-examples", "15",
               "--seed", "16", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                            cwd=tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    assert " passed" in report and "failures" not in report.split("SUMMARY")[-1], report
