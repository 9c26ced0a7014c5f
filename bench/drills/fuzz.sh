#!/usr/bin/env bash
# Fault drill: fuzz the REST API from its own served OpenAPI schema with schemathesis, on the
# production path: gunicorn (3 workers) + PostgreSQL + the Redis broker, with a background load
# of valid creates running the whole time (so the fuzz meets a busy server, not an idle one).
# Passes when no request gets a 5xx and every response matches the schema.
#
# Usage: bench/drills/fuzz.sh [max-examples]
# schemathesis lives in a throw-away virtualenv (ST_VENV, default /tmp/fa-st-venv), never in .venv
# or requirements.txt. Env: DRILL_DB (fa_sec_drill_fuzz), DRILL_REDIS (redis://127.0.0.1:6379/1 —
# flushed), PORT (8111).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-8111}
N=${1:-50}
DB=${DRILL_DB:-fa_sec_drill_fuzz}
ST_VENV=${ST_VENV:-/tmp/fa-st-venv}
[ -x "$ST_VENV/bin/st" ] || { python3 -m venv "$ST_VENV" && "$ST_VENV/bin/pip" install -q "schemathesis==4.32.5"; }
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB REDIS_URL=${DRILL_REDIS:-redis://127.0.0.1:6379/1} \
  DJANGO_SETTINGS_MODULE=config.settings.dev DEBUG=0 API_THROTTLE_RATE=1000000/min LOG_LEVEL=ERROR
redis-cli -u "$REDIS_URL" flushdb >/dev/null  # the drill's own Redis database (FLUSHED)
dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
createdb -h 127.0.0.1 -U postgres "$DB"
.venv/bin/python manage.py migrate -v0
KEY=$(.venv/bin/python manage.py issue_api_key fuzz --scope write 2>/dev/null)
setsid .venv/bin/gunicorn config.wsgi -w 3 -b 127.0.0.1:$PORT --timeout 120 >/tmp/fa-fuzz-web.log 2>&1 &
WEB=$!
LOAD_PID=""
cleanup() { [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null; kill -TERM -- -"$WEB" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fsS -o /dev/null http://127.0.0.1:$PORT/api/v1/schema/ && break; sleep 0.5; done
# background load: valid creates, 2 at a time, until the fuzz ends
( n=0; while true; do n=$((n+1)); for k in 1 2; do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST http://127.0.0.1:$PORT/api/v1/feedback/ -H "Authorization: Token $KEY" \
      -H 'Content-Type: application/json' -d "{\"channel\":\"in_app\",\"external_id\":\"load-$n-$k\",\"content\":\"第$n条：视频通话卡顿\"}" &
  done; wait; done ) >/tmp/fa-fuzz-load.codes 2>/dev/null &
LOAD_PID=$!
# positive_data_acceptance is left out on purpose: schema-valid input can still break a business
# rule (an unknown channel slug, a transition not allowed now) and is then rightly refused with 400/409.
status=0
"$ST_VENV/bin/st" run "http://127.0.0.1:$PORT/api/v1/schema/" -H "Authorization: Token $KEY" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$N" --workers 2 --seed 20261203 || status=$?
kill "$LOAD_PID" 2>/dev/null || true
LOAD_PID=""
echo "background load answers: $(sort /tmp/fa-fuzz-load.codes | uniq -c | tr '\n' ' ')"
echo "server errors logged by gunicorn: $(grep -c 'Internal Server Error\|Traceback' /tmp/fa-fuzz-web.log || true)"
exit $status
