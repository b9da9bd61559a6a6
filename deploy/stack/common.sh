# Sourced by deploy/stack/start.sh and stop.sh: where the stack lives, and helpers.
# Every setting can be overridden from the environment.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${STACK_DIR:-/tmp/dialogue-stack}"
STACK_PORT="${STACK_PORT:-8080}"
STACK_APP_PORT="${STACK_APP_PORT:-8081}"
STACK_DATABASE="${STACK_DATABASE:-dialogue_stack}"
# The server's maintenance database, used to drop and create $STACK_DATABASE.
STACK_PG_URL="${STACK_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
STACK_REDIS_URL="${STACK_REDIS_URL:-redis://127.0.0.1:6379/13}"
STACK_WORKERS="${STACK_WORKERS:-4}"
VENV="${VENV:-$ROOT/.venv}"
NGINX="${NGINX:-/usr/sbin/nginx}"
PY="$VENV/bin/python"
# Exported for stop.sh when start.sh calls it. Not NGINX: nginx itself reads a variable
# of that name (sockets inherited on a binary upgrade) and complains about a path in it.
export STACK_DIR STACK_PORT STACK_APP_PORT STACK_DATABASE STACK_PG_URL STACK_REDIS_URL \
    STACK_WORKERS VENV

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# drop_database [create]: drop $STACK_DATABASE (and create it afresh with "create").
drop_database() {
    "$PY" - "$STACK_PG_URL" "$STACK_DATABASE" "${1:-}" <<'PYEOF'
import sys
import psycopg
from sqlalchemy.engine import make_url
admin, name, create = sys.argv[1:]
url = make_url(admin).set(drivername="postgresql")
with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if create:
        conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
}
