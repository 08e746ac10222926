#!/usr/bin/env bash
# Start the action server in the background and the Rasa server or shell in the foreground;
# Ctrl-C (or the foreground process ending) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-server}
bin=.venv/bin
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD" SANIC_HOST="${SANIC_HOST:-127.0.0.1}"
[ -f .env ] && set -a && . ./.env && set +a

"$bin/rasa" run actions --port "${ACTION_PORT:-5055}" &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null; wait "$actions_pid" 2>/dev/null || true' EXIT INT TERM

if [ "$mode" = shell ]; then
  "$bin/rasa" shell --model models/atrophy.tar.gz --endpoints endpoints.yml
else
  echo "Starting the Rasa server; talk to the bot with:"
  echo "  curl -s localhost:${RASA_PORT:-5005}/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{\"sender\": \"me\", \"message\": \"what causes muscle atrophy?\"}'"
  "$bin/rasa" run --model models/atrophy.tar.gz --endpoints endpoints.yml --credentials credentials.yml \
    --port "${RASA_PORT:-5005}" --interface 127.0.0.1
fi
