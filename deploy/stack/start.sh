#!/usr/bin/env bash
# `make stack`: the production-shaped stack on this machine, without containers.
#
#   deploy/stack/start.sh        (again = restart from a fresh database)
#   deploy/stack/stop.sh         (stops everything and drops the database)
#
# Debian's nginx (a private instance: its own prefix, pid and logs, no root needed) on
# 127.0.0.1:$STACK_PORT in front of gunicorn (deploy/gunicorn.conf.py, sync workers) on
# 127.0.0.1:$STACK_APP_PORT, the job worker (niced), a database of its own on the
# machine's PostgreSQL and a Redis database of its own, with the production configuration.
# Everything the stack writes is in $STACK_DIR; deploy/stack/check.py tests it.
set -euo pipefail

# shellcheck source=deploy/stack/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ -x "$PY" ]] || die "no Python at $PY (run make install, or set VENV)"
[[ -x "$NGINX" ]] || die "no nginx at $NGINX (apt-get install nginx-light, or set NGINX)"
[[ -d "$ROOT/dialogue/static" ]] || die "no dialogue/static under $ROOT"

# Start twice = restart: whatever an earlier start left running is stopped first.
if compgen -G "$STACK_DIR/run/*.pid" >/dev/null; then
    say "stopping the running stack first"
    "$ROOT/deploy/stack/stop.sh"
fi

port_free() {
    "$PY" - "$1" <<'EOF'
import socket, sys
with socket.socket() as s:
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0 else 1)
EOF
}
for port in "$STACK_PORT" "$STACK_APP_PORT"; do
    port_free "$port" || die "127.0.0.1:$port is in use (set STACK_PORT / STACK_APP_PORT)"
done

mkdir -p "$STACK_DIR"/{run,logs,nginx/temp}
chmod 700 "$STACK_DIR"

# The secret is generated once and kept, like an operator's /etc/dialogue/dialogue.env.
if [[ ! -s "$STACK_DIR/secret_key" ]]; then
    (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' \
        >"$STACK_DIR/secret_key")
fi

DATABASE_URL="$("$PY" - "$STACK_PG_URL" "$STACK_DATABASE" <<'EOF'
import sys
from sqlalchemy.engine import make_url
print(make_url(sys.argv[1]).set(database=sys.argv[2]).render_as_string(hide_password=False))
EOF
)"

# The environment file the web server and the worker read (EnvironmentFile= in systemd).
(umask 077; cat >"$STACK_DIR/env" <<EOF
DIALOGUE_ENV=production
FLASK_APP=wsgi:app
SECRET_KEY=$(cat "$STACK_DIR/secret_key")
PUBLIC_URL=http://127.0.0.1:$STACK_PORT
DATABASE_URL=$DATABASE_URL
REDIS_URL=$STACK_REDIS_URL
TRUSTED_PROXIES=1
SESSION_COOKIE_SECURE=false
WEB_CONCURRENCY=$STACK_WORKERS
BIND=127.0.0.1:$STACK_APP_PORT
EOF
)
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/env"
set +a
# The checkout's own code, whatever the virtualenv has installed.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT"

say "database $STACK_DATABASE: dropped and created fresh; Redis ${STACK_REDIS_URL##*/} emptied"
drop_database create
"$PY" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()' "$STACK_REDIS_URL"

flask() { "$VENV/bin/flask" "$@"; }
say "migrations, content and demo data"
flask db upgrade >"$STACK_DIR/logs/setup.log" 2>&1 || { cat "$STACK_DIR/logs/setup.log"; die "flask db upgrade failed"; }
flask dialogue content import >>"$STACK_DIR/logs/setup.log" 2>&1 \
    || { tail -30 "$STACK_DIR/logs/setup.log"; die "content import failed"; }
flask dialogue demo >>"$STACK_DIR/logs/setup.log" 2>&1 \
    || { tail -30 "$STACK_DIR/logs/setup.log"; die "demo data failed"; }
if flask dialogue --help 2>/dev/null | grep -q 'check-config'; then
    say "flask dialogue check-config"
    flask dialogue check-config || die "check-config refused the stack's configuration"
else
    say "flask dialogue check-config: not available in this checkout, skipped"
fi

# A start that fails half-way stops what it had started.
trap 'status=$?; if [[ $status -ne 0 ]]; then say "start failed: stopping"; \
    "$ROOT/deploy/stack/stop.sh" >&2 || true; fi' EXIT

# Each long-running process gets a session of its own, so stop.sh can signal the whole
# group (the worker's PDF renders are child processes) and a closed terminal stops none.
say "gunicorn ($WEB_CONCURRENCY sync workers) on $BIND"
gunicorn_args=(--config "$ROOT/deploy/gunicorn.conf.py" --pid "$STACK_DIR/run/gunicorn.pid")
# deploy/gunicorn.conf.py opens no control socket: the stack is driven by signals.
setsid "$VENV/bin/gunicorn" "${gunicorn_args[@]}" wsgi:app \
    </dev/null >>"$STACK_DIR/logs/gunicorn.log" 2>&1 &
# gunicorn writes run/gunicorn.pid itself. Writing it here first (as this script once
# did) made gunicorn find "itself" already running and never note the file as its own,
# so it never removed it: after a USR2 upgrade the new master then refused to take the
# name ("Already running on PID ...") and exited, taking the site down. The launch pid is
# kept apart, so stop.sh can still stop a gunicorn that failed before writing its file.
echo $! >"$STACK_DIR/run/gunicorn-launch.pid"

say "job worker (nice 10)"
setsid nice -n 10 "$VENV/bin/flask" dialogue worker \
    </dev/null >>"$STACK_DIR/logs/worker.log" 2>&1 &
echo $! >"$STACK_DIR/run/worker.pid"

# nginx: the operator's site part (deploy/nginx/dialogue-app.conf) with the static alias
# pointed at this checkout, in a plain-HTTP server block on loopback.
NGX="$STACK_DIR/nginx"
sed "s#alias /srv/dialogue/app/dialogue/static/#alias $ROOT/dialogue/static/#" \
    "$ROOT/deploy/nginx/dialogue-app.conf" >"$NGX/dialogue-app.conf"
grep -q "alias $ROOT/dialogue/static/;" "$NGX/dialogue-app.conf" \
    || die "deploy/nginx/dialogue-app.conf has no 'alias /srv/dialogue/app/dialogue/static/;' to adapt"
# The cache map is the TLS site's own (deploy/nginx/dialogue.conf), copied as written.
sed -n '/^map \$arg_v \$dialogue_static_cache {/,/^}/p' "$ROOT/deploy/nginx/dialogue.conf" \
    >"$NGX/static-cache-map.conf"
grep -q immutable "$NGX/static-cache-map.conf" \
    || die "deploy/nginx/dialogue.conf has no \$dialogue_static_cache map"
user_line=""
if [[ $EUID -eq 0 ]]; then
    # Run as root (CI): the workers stay the starting user, as they would without root.
    user_line="user $(id -un) $(id -gn);"
fi
cat >"$NGX/nginx.conf" <<EOF
# Generated by deploy/stack/start.sh: a private nginx instance for the stack.
$user_line
worker_processes 2;
pid $NGX/nginx.pid;
error_log $STACK_DIR/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    # The combined format, with how long the request and the application took.
    log_format stack '\$remote_addr [\$time_iso8601] "\$request" \$status \$body_bytes_sent '
                     'rt=\$request_time urt=\$upstream_response_time us=\$upstream_status '
                     'id=\$request_id';
    access_log $STACK_DIR/logs/nginx-access.log stack;
    client_body_temp_path $NGX/temp/body;
    proxy_temp_path $NGX/temp/proxy;
    fastcgi_temp_path $NGX/temp/fastcgi;
    uwsgi_temp_path $NGX/temp/uwsgi;
    scgi_temp_path $NGX/temp/scgi;

    upstream dialogue_app {
        server 127.0.0.1:$STACK_APP_PORT;
        keepalive 16;
    }
    include $NGX/static-cache-map.conf;

    server {
        listen 127.0.0.1:$STACK_PORT;
        server_name 127.0.0.1 localhost;
        include $NGX/dialogue-app.conf;
    }
}
EOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$STACK_DIR/logs/nginx-error.log" -t -q \
    || die "nginx refused $NGX/nginx.conf"

wait_ready() {  # url seconds: until it answers 200, bounded
    "$PY" - "$1" "$2" <<'EOF'
import sys, time, urllib.request
url, limit = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - loopback
            if reply.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.25)
sys.exit(1)
EOF
}
wait_ready "http://$BIND/healthz" 60 \
    || { tail -40 "$STACK_DIR/logs/gunicorn.log"; die "gunicorn did not answer /healthz within 60 s"; }

say "nginx on 127.0.0.1:$STACK_PORT"
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$STACK_DIR/logs/nginx-error.log"
for _ in $(seq 50); do [[ -s "$NGX/nginx.pid" ]] && break; sleep 0.1; done
cp "$NGX/nginx.pid" "$STACK_DIR/run/nginx.pid"
wait_ready "http://127.0.0.1:$STACK_PORT/healthz" 20 \
    || { tail -20 "$STACK_DIR/logs/nginx-error.log"; die "nginx did not answer within 20 s"; }
kill -0 "$(cat "$STACK_DIR/run/worker.pid")" 2>/dev/null \
    || { tail -40 "$STACK_DIR/logs/worker.log"; die "the job worker exited"; }

cat <<EOF
stack: ready on $PUBLIC_URL (state, logs and pids in $STACK_DIR)
stack: demo logins, password dialogue-demo: admin@, researcher@, facilitator@,
stack:   moderator@, practitioner@dialogue.example.org
stack: check it with: $PY deploy/stack/check.py    stop it with: deploy/stack/stop.sh
EOF
