#!/usr/bin/env bash
# Flood drill on the production path or the embedded default (issue #17 part 4).
#   DB=pg     bash bench/flood.sh     # PostgreSQL + Redis + gunicorn (2 workers) + qcluster (2 workers)
#   DB=sqlite bash bench/flood.sh     # SQLite file + ORM broker, same processes
# Knobs: TOTAL=50000 MINUTES=10 CLIENTS=16 BULK=100 PORT=8133 PGDB=fa_pipe_bench REDIS_DB=3 WEB=2 QW=2
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-pg} TOTAL=${TOTAL:-50000} MINUTES=${MINUTES:-10} CLIENTS=${CLIENTS:-16} BULK=${BULK:-100}
PORT=${PORT:-8133} PGDB=${PGDB:-fa_pipe_bench} REDIS_DB=${REDIS_DB:-3} WEB=${WEB:-2} QW=${QW:-2}
export SECRET_KEY=flood-$RANDOM$RANDOM ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 \
       DJANGO_SETTINGS_MODULE=config.settings.prod API_THROTTLE_RATE=100000000/min Q_WORKERS=$QW
if [ "$DB" = pg ]; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$PGDB REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
  dropdb -h 127.0.0.1 -U postgres --if-exists "$PGDB"; createdb -h 127.0.0.1 -U postgres "$PGDB"
  redis-cli -n "$REDIS_DB" flushdb >/dev/null
else
  export DATABASE_URL=sqlite:////tmp/fa_pipe_flood.sqlite3; unset REDIS_URL || true
  rm -f /tmp/fa_pipe_flood.sqlite3*
fi
mkdir -p bench/out
.venv/bin/python manage.py migrate --noinput >/dev/null
# the schedules production has (bootstrap): the pipeline sweeper re-enqueues lost or skipped items
.venv/bin/python manage.py shell -c "from feedback_archive.triage.schedules import ensure_schedules; ensure_schedules()"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
.venv/bin/gunicorn config.wsgi -w "$WEB" -b 127.0.0.1:$PORT --timeout 120 --access-logfile /dev/null \
  --error-logfile bench/out/flood-gunicorn.log & PIDS+=($!)
.venv/bin/python manage.py qcluster >bench/out/flood-qcluster.log 2>&1 & PIDS+=($!)
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/health/" && break; sleep 0.5; done
.venv/bin/python bench/flood.py --db "$DATABASE_URL" --base-url http://127.0.0.1:$PORT --total "$TOTAL" \
  --minutes "$MINUTES" --clients "$CLIENTS" --bulk "$BULK" --watch-pids "$(IFS=,; echo "${PIDS[*]}")"
