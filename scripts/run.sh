#!/usr/bin/env bash
# Start the action server (and, in server mode, the web chat page) in the background and the Rasa server or
# shell in the foreground; Ctrl-C (or the foreground process ending) stops them all.
#   scripts/run.sh [server|shell]
# Every server listens on 127.0.0.1 unless RASA_INTERFACE / SANIC_HOST say otherwise; Ctrl-C, SIGTERM and SIGHUP
# (the terminal closed) stop every process started here.
# Environment (or .env): RASA_PORT (5005), ACTION_PORT (5055), ATROPHY_WEB_PORT (8080), ATROPHY_WEB_ORIGIN
# (the page's origins allowed by CORS, space-separated, default http://localhost:$ATROPHY_WEB_PORT), ATROPHY_MODEL,
# ATROPHY_ENDPOINTS, and the channel variables of .env.example (Slack, Telegram).
# SANIC_WORKERS=N (default 1) serves with N Rasa worker processes (server mode; the shell has one); the lock store
# (addons/lock_store.py) keeps each conversation to one worker at a time: in Redis when ATROPHY_REDIS_URL is set,
# else in an SQLite file the workers share, ATROPHY_LOCK_DB (default build/locks.db).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-server}
bin=.venv/bin
export RASA_TELEMETRY_ENABLED=false SANIC_HOST="${SANIC_HOST:-127.0.0.1}"
[ -f .env ] && set -a && . ./.env && set +a
export SANIC_WORKERS="${SANIC_WORKERS:-1}"   # read by rasa run and by the lock store of every worker
# TensorFlow with one thread per operation, one operation at a time: faster for these small models on short texts
# (scripts/processes.py SERVING_ENV, docs/performance.md)
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"

rasa_port=${RASA_PORT:-5005}
web_port=${ATROPHY_WEB_PORT:-8080}
read -r -a web_origins <<< "${ATROPHY_WEB_ORIGIN:-http://localhost:$web_port}"
model=${ATROPHY_MODEL:-models/atrophy.tar.gz}
endpoints=${ATROPHY_ENDPOINTS:-endpoints.yml}
# Rasa's HTTP API (/conversations, /model, ...) is on only with a token: set RASA_AUTH_TOKEN (e.g. in .env).
api_args=()
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do   # up to 10 s to stop cleanly, then killed: nothing may outlive the script
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP   # the terminal closed: stop everything started here, as on Ctrl-C

# The action server through rasa_sdk itself (what `rasa run actions` runs, without importing Rasa: 60 MB less).
"$bin/python" -m rasa_sdk --actions actions --port "${ACTION_PORT:-5055}" &
pids+=($!)

# The foreground program runs as a child the script waits for, so that a signal reaches the traps at once: bash
# runs a trap only after the foreground command ends, and a `rasa shell` that survived the terminal's SIGHUP kept
# the whole set running. Its standard input stays the terminal (0<&0: a background job would get /dev/null).
if [ "$mode" = shell ]; then   # one worker: a second would read the same terminal
  SANIC_WORKERS=1 "$bin/python" -m addons.channels.console shell --model "$model" --endpoints "$endpoints" \
    --port "$rasa_port" --interface "${RASA_INTERFACE:-127.0.0.1}" 0<&0 &
  pids+=($!)
  wait "$!"
else
  "$bin/python" scripts/serve_web.py --port "$web_port" --rasa-url "${ATROPHY_RASA_URL:-http://localhost:$rasa_port}" &
  pids+=($!)
  echo "Starting the Rasa server. Chat in the browser at http://localhost:$web_port, or with:"
  echo "  curl -s localhost:$rasa_port/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{\"sender\": \"me\", \"message\": \"what causes muscle atrophy?\"}'"
  "$bin/rasa" run --model "$model" --endpoints "$endpoints" --credentials "${ATROPHY_CREDENTIALS:-credentials.yml}" \
    --port "$rasa_port" --interface "${RASA_INTERFACE:-127.0.0.1}" --cors "${web_origins[@]}" "${api_args[@]}" &
  pids+=($!)
  wait "$!"
fi
