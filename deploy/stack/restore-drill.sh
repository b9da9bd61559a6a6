#!/usr/bin/env bash
# The restore drill, on the stack deploy/stack/start.sh started (`make restore-drill`):
# count rows, back up with retention, wipe the database, restore the newest backup,
# count again (must be equal), reload gunicorn, and check the site answers through nginx.
# The same commands an operator runs; docs/deployment.md, "Backup and restore drill".
set -euo pipefail
# shellcheck source=deploy/stack/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -s "$STACK_DIR/env" ]] || die "no stack in $STACK_DIR: run deploy/stack/start.sh first"
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/env"
set +a
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT"
flask() { "$VENV/bin/flask" "$@"; }

counts() {  # rows in every table, one "table rows" line each
    "$PY" - "$DATABASE_URL" <<'PYEOF'
import sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1]).set(drivername="postgresql").render_as_string(hide_password=False)
with psycopg.connect(url) as conn:
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    for table in tables:
        print(table, conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
PYEOF
}

counts >"$STACK_DIR/drill-before.txt"
say "1. before: $(wc -l <"$STACK_DIR/drill-before.txt") tables, $(awk '{s+=$2} END {print s}' "$STACK_DIR/drill-before.txt") rows"
say "2. flask dialogue backup $STACK_DIR/backups --keep 3"
flask dialogue backup "$STACK_DIR/backups" --keep 3
newest="$(ls -1 "$STACK_DIR"/backups/dialogue-*.pgdump | sort | tail -1)"
say "3. wipe: database $STACK_DATABASE dropped and created empty"
drop_database create
[[ "$(counts | wc -l)" -eq 0 ]] || die "the database is not empty after the wipe"
say "4. flask dialogue restore $newest --yes"
flask dialogue restore "$newest" --yes
counts >"$STACK_DIR/drill-after.txt"
diff -u "$STACK_DIR/drill-before.txt" "$STACK_DIR/drill-after.txt" \
    || die "row counts differ after the restore"
say "5. row counts equal in all $(wc -l <"$STACK_DIR/drill-after.txt") tables"
say "6. gunicorn reloaded (HUP), as after any restore"
kill -HUP "$(cat "$STACK_DIR/run/gunicorn.pid")"
sleep 3
"$PY" - "$PUBLIC_URL" <<'PYEOF'
import sys, time, urllib.request
for path in ("/healthz", "/", "/briefings/"):
    for attempt in range(40):
        try:
            with urllib.request.urlopen(sys.argv[1] + path, timeout=5) as reply:  # noqa: S310
                if reply.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        sys.exit(f"{path} does not answer after the restore")
print(f"stack: 7. /healthz, / and /briefings/ answer 200 through nginx")
PYEOF
say "restore drill passed"
