"""gunicorn settings for production, behind nginx (deploy/nginx). Read by systemd and the image."""

import os
import shutil
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers, about two per core (docs/deployment.md: measured against gthread).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# Behind a buffering proxy a request reaches a worker whole, so a short timeout only
# stops a worker that is really stuck; the proxy, not the worker, waits on slow clients.
timeout = 30
graceful_timeout = 25
keepalive = 2
# A worker is replaced after this many requests (jittered), so a slow leak cannot grow.
max_requests = 5000
max_requests_jitter = 500
# nginx on the same machine sets X-Forwarded-For; the app's TRUSTED_PROXIES trusts one hop.
forwarded_allow_ips = "127.0.0.1"
# No control socket (gunicorn 25+ opens one for `gunicornc`, by default shared by every
# gunicorn of the user): this deployment is driven by signals (systemd: HUP to reload,
# USR2 to upgrade), and after a USR2 upgrade the old master removed the socket it shared
# with the new one. Older gunicorns ignore the setting.
control_socket_disable = True
# The app writes one JSON line per request (dialogue/observability.py), with the request
# id nginx set: gunicorn's own access log would only repeat it, without the id.
accesslog = None
errorlog = "-"

# Loaded once in the master, then forked: a reload (HUP) starts ready workers at once.
# Measured with deploy/stack/check.py: without it a reload lost 16-64 requests (new
# workers spent seconds importing while the old ones had stopped taking requests);
# with it 0 of 2,909. The price: HUP re-forks the code the master loaded, so new code
# needs USR2 (a new master) or a restart -- see docs/deployment.md, "Upgrades".
preload_app = True

# prometheus_client's multi-process mode: each worker writes its figures to files here,
# and /metrics adds them up. Set before the app (and so prometheus_client) is imported.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"dialogue-metrics-{bind.rsplit(':', 1)[-1]}"))


def on_starting(server):
    # A fresh master starts from zero: files of a previous run would be added in.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, mode=0o700, exist_ok=True)


def child_exit(server, worker):
    # A worker that is gone stops counting towards the live gauges; its counters stay.
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
