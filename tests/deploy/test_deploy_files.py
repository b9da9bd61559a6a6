"""What an operator copies from deploy/, Dockerfile and compose.yaml, checked as far as this
machine can: nginx parses the site (`nginx -t`, when nginx is installed), the units and
the compose file say what docs/deployment.md promises. No container engine runs here,
so the image itself is not built by the suite (see docs/deployment.md)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dialogue.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_nginx_body_limit_equals_the_applications():
    snippet = (DEPLOY / "nginx" / "dialogue-app.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)m;", snippet)
    assert size and int(size.group(1)) * 1024 * 1024 == Config.MAX_CONTENT_LENGTH


def test_nginx_never_forwards_a_clients_host_or_address_headers():
    snippet = (DEPLOY / "nginx" / "dialogue-app.conf").read_text()
    assert 'proxy_set_header X-Forwarded-Host "";' in snippet
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in snippet
    assert "$proxy_add_x_forwarded_for" not in snippet  # would keep the client's own value
    assert "proxy_buffering on;" in snippet


def test_nginx_tls_block_sends_hsts():
    site = (DEPLOY / "nginx" / "dialogue.conf").read_text()
    assert "Strict-Transport-Security" in site and "listen 443 ssl" in site


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=dialogue.test", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    snippet = tmp_path / "dialogue-app.conf"
    snippet.write_text((DEPLOY / "nginx" / "dialogue-app.conf").read_text())
    site = (DEPLOY / "nginx" / "dialogue.conf").read_text()
    site = site.replace("/etc/nginx/snippets/dialogue-app.conf", str(snippet))
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};",
                  site)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path / 'site.conf'};\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["dialogue-web.service", "dialogue-worker.service"])
def test_service_units_restart_and_are_hardened(name):
    service = _unit(name)["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/dialogue/")
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert "check-config" in service["ExecStartPre"]
    assert service["User"] == "dialogue"


def test_the_backup_runs_nightly_with_retention():
    timer = _unit("dialogue-backup.timer")["Timer"]
    assert timer["OnCalendar"].endswith("02:30:00") and timer["Persistent"] == "true"
    service = _unit("dialogue-backup.service")["Service"]
    assert "dialogue backup" in service["ExecStart"] and "--keep" in service["ExecStart"]


def test_compose_runs_migrations_once_before_the_web_and_worker():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker", "proxy"} <= set(services)
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
    assert "flask db upgrade" in " ".join(services["migrate"]["command"])
    assert {"database", "instance", "backups"} <= set(compose["volumes"])


def test_the_image_runs_as_a_user_without_build_tools_and_has_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    assert len(stages) == 2, "a build stage and a final stage"
    final = stages[-1]
    assert "build-essential" not in final and "gcc" not in final
    assert re.search(r"^USER dialogue$", final, flags=re.MULTILINE)
    assert "HEALTHCHECK" in final and "/healthz" in final
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0"):
        assert library in final


def test_nginx_serves_the_standing_files_from_the_static_folder():
    site = (DEPLOY / "nginx" / "dialogue-app.conf").read_text()
    for url in ("/favicon.ico", "/robots.txt", "/.well-known/security.txt"):
        found = re.search(rf"location = {re.escape(url)} \{{\s*alias ([^;]+);", site)
        assert found, url
        local = Path(found.group(1).replace("/srv/dialogue/app", str(ROOT)))
        assert local.is_file(), local


def test_nginx_sends_its_own_request_id():
    site = (DEPLOY / "nginx" / "dialogue-app.conf").read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in site


def test_gunicorn_preloads_and_keeps_metrics_per_worker(monkeypatch, tmp_path):
    import runpy
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("BIND", "127.0.0.1:8999")
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    try:
        assert settings["preload_app"] is True  # measured: 0 failed requests over a HUP
        assert settings["accesslog"] is None  # the app's JSON line replaces it
        assert settings["metrics_dir"].endswith("dialogue-metrics-8999")
        settings["on_starting"](None)
        assert Path(settings["metrics_dir"]).is_dir()
    finally:
        shutil.rmtree(settings["metrics_dir"], ignore_errors=True)
        # Not monkeypatch.delenv: it would record the value the file just set and put it
        # back at teardown, and every server a later test starts would inherit it.
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _slow_client_problems(nginx: str, gunicorn_timeout: int, bind: str) -> list[str]:
    """What would let a slow or idle client hold a sync worker (issue 16, slow clients)."""
    problems = []
    for directive in ("proxy_request_buffering", "proxy_buffering"):
        if not re.search(rf"^\s*{directive}\s+on;", nginx, re.M):
            problems.append(f"nginx: {directive} is not on")
    for directive in ("client_header_timeout", "client_body_timeout"):
        found = re.search(rf"^\s*{directive}\s+(\d+)s;", nginx, re.M)
        if not found or int(found.group(1)) >= gunicorn_timeout:
            problems.append(f"nginx: {directive} is not under gunicorn's {gunicorn_timeout} s")
    if not bind.startswith(("127.0.0.1:", "unix:", "localhost:")):
        problems.append(f"gunicorn binds {bind}: clients could reach the sync workers directly")
    return problems


def test_gunicorn_opens_no_control_socket_an_upgrade_could_remove(monkeypatch):
    """After USR2 the old master removed the control socket it shared with the new one;
    the deployment is driven by signals and opens none."""
    import runpy
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    try:
        settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    assert settings["control_socket_disable"] is True
    assert "--control-socket" not in (DEPLOY / "stack" / "start.sh").read_text()


def test_slow_clients_meet_nginx_never_a_sync_worker(monkeypatch):
    """nginx reads each request whole (with timeouts shorter than a worker's) before a
    sync worker sees it, and gunicorn listens on loopback only by default."""
    import runpy
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    try:
        settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the file sets it (see above)
    nginx = (DEPLOY / "nginx" / "dialogue-app.conf").read_text()
    assert settings["worker_class"] == "sync"
    assert _slow_client_problems(nginx, settings["timeout"], settings["bind"]) == []
    # The check itself sees an unbuffered proxy and a public bind.
    unbuffered = nginx.replace("proxy_request_buffering on;", "proxy_request_buffering off;")
    assert _slow_client_problems(unbuffered, settings["timeout"], "0.0.0.0:8000") == [
        "nginx: proxy_request_buffering is not on",
        "gunicorn binds 0.0.0.0:8000: clients could reach the sync workers directly"]
