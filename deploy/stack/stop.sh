#!/usr/bin/env bash
# Stop what deploy/stack/start.sh started (nginx, gunicorn, the job worker) and drop its
# database. The secret and the logs stay in $STACK_DIR for the next start.
set -euo pipefail

# shellcheck source=deploy/stack/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# ours PID WORD: the process is still the one start.sh started (a stale pid file after a
# reboot may name someone else's process).
ours() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"; }

# stop NAME SIGNAL WORD: signal the process in run/NAME.pid, wait up to 30 s for it to exit,
# then kill whatever is left of it and of its process group (start.sh gave each its own
# session, so the group is only its own children, such as the worker's PDF renders).
stop() {
    local name="$1" signal="$2" word="$3" file="$STACK_DIR/run/$1.pid" pid
    [[ -s "$file" ]] || { rm -f "$file"; return 0; }
    pid="$(cat "$file")"
    if ! ours "$pid" "$word"; then
        rm -f "$file"
        return 0
    fi
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name (pid $pid)"
        kill "-$signal" "$pid" 2>/dev/null || true
        for _ in $(seq 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$name did not stop within 30 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    if [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]] \
            || pgrep -g "$pid" >/dev/null 2>&1; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

# The proxy first (no new requests), then the web server (TERM: finish, then exit,
# within its graceful_timeout), then the worker (INT: Huey finishes the running job).
stop nginx QUIT nginx
stop gunicorn TERM gunicorn
stop gunicorn-launch TERM gunicorn   # the same process, unless it failed to start
stop worker INT "dialogue worker"

if [[ -x "$PY" ]]; then
    say "dropping database $STACK_DATABASE"
    drop_database || say "could not drop the database"
fi
say "stopped"
