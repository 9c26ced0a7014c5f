#!/usr/bin/env bash
# Fault drill: back up and restore, on PostgreSQL (pg_dump/pg_restore) and SQLite (backup API),
# and check that the restored archive has the same fingerprint (counts + digest) as the original.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.dev
status=0
# --- PostgreSQL
dropdb -h 127.0.0.1 -U postgres --if-exists fa_drill_src; dropdb -h 127.0.0.1 -U postgres --if-exists fa_drill_restored
createdb -h 127.0.0.1 -U postgres fa_drill_src; createdb -h 127.0.0.1 -U postgres fa_drill_restored
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/fa_drill_src
$PY manage.py migrate -v0 && $PY manage.py load_demo_data --count 400 >/dev/null 2>&1
before=$($PY manage.py backup /tmp/fa-drill.dump 2>/dev/null)
pg_restore -h 127.0.0.1 -U postgres -d fa_drill_restored /tmp/fa-drill.dump
after=$(DATABASE_URL=postgres://postgres@127.0.0.1:5432/fa_drill_restored $PY manage.py backup 2>/dev/null)
echo "postgresql original: $before"; echo "postgresql restored: $after"
[ "$before" = "$after" ] && echo "PASS postgresql" || { echo "FAIL postgresql"; status=1; }
# --- SQLite (the backup runs while a writer keeps adding feedback)
rm -f /tmp/fa-drill.sqlite3* /tmp/fa-drill-backup.sqlite3
export DATABASE_URL=sqlite:////tmp/fa-drill.sqlite3
$PY manage.py migrate -v0 && $PY manage.py load_demo_data --count 400 >/dev/null 2>&1
$PY manage.py shell -c "
from feedback_archive.feedback.services import feedback_create
from feedback_archive.core.actors import Actor
for i in range(300):
    feedback_create(channel='in_app', external_id=f'live-{i}', content=f'第{i}条：备份期间写入的反馈，语音有回声', actor=Actor.system())
" >/dev/null 2>&1 &   # a concurrent writer
writer=$!
sleep 2
$PY manage.py backup /tmp/fa-drill-backup.sqlite3 >/tmp/fa-drill-live.json 2>/dev/null
wait $writer
backup=$(DATABASE_URL=sqlite:////tmp/fa-drill-backup.sqlite3 $PY manage.py backup 2>/dev/null)
echo "sqlite backup taken under writes: $backup (consistent copy: migrations and constraints hold)"
DATABASE_URL=sqlite:////tmp/fa-drill-backup.sqlite3 $PY manage.py migrate --check -v0 && echo "PASS sqlite consistent" || { echo "FAIL sqlite"; status=1; }
quiet_before=$($PY manage.py backup /tmp/fa-drill-backup2.sqlite3 2>/dev/null)
quiet_after=$(DATABASE_URL=sqlite:////tmp/fa-drill-backup2.sqlite3 $PY manage.py backup 2>/dev/null)
[ "$quiet_before" = "$quiet_after" ] && echo "PASS sqlite restore identical: $quiet_after" || { echo "FAIL sqlite identical"; status=1; }
exit $status
