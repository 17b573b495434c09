#!/usr/bin/env bash
# Starts the local stack without Docker: Jaeger (OTLP in, traces in memory),
# `hive serve` (records in a SQLite file) and the example service sending its
# traces to Jaeger and its records to the Hive server. Ctrl-C stops all three.
#
#   make up                      # or: scripts/up.sh
#
# Environment: JAEGER (the binary, default .cache/bin/jaeger), HIVE_API_KEY,
# HIVE_API_SECRET and HIVE_PROJECT_UUID (local defaults below), HIVE_DB (the
# SQLite file, default .cache/hive.db).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
GO=${GO:-go}
JAEGER=${JAEGER:-$root/.cache/bin/jaeger}
bin=$root/.cache/bin
export HIVE_API_KEY=${HIVE_API_KEY:-local-key}
export HIVE_API_SECRET=${HIVE_API_SECRET:-local-secret}
export HIVE_PROJECT_UUID=${HIVE_PROJECT_UUID:-0193e000-0000-7000-8000-00000000cafe}
HIVE_DB=${HIVE_DB:-$root/.cache/hive.db}

if [[ ! -x $JAEGER ]]; then
	echo "up: no Jaeger binary at $JAEGER: run make jaeger first" >&2
	exit 1
fi
mkdir -p "$bin" "$(dirname "$HIVE_DB")"
echo "up: building hive and the example service…"
(cd hive/server && "$GO" build -o "$bin/hive" ./cmd/hive)
(cd examples && "$GO" build -o "$bin/service" ./service)

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "up: stopping…"
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	echo "up: stopped"
	exit 0
}
trap stop INT TERM
trap 'stop' EXIT

# wait_http URL NAME: wait until URL answers (any status), at most 60 s.
wait_http() {
	for _ in $(seq 1 600); do
		if curl -s -o /dev/null "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "up: $2 did not start (no answer from $1)" >&2
	exit 1
}

"$JAEGER" --config "$root/scripts/jaeger-local.yaml" >"$root/.cache/jaeger.log" 2>&1 &
pids+=($!)
wait_http http://127.0.0.1:16686/ jaeger

"$bin/hive" serve --addr 127.0.0.1:8080 --db "$HIVE_DB" &
pids+=($!)
wait_http http://127.0.0.1:8080/healthz "hive serve"

OTEL_SERVICE_NAME=hivetrace-example-service \
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 \
OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
HIVE_HOST=http://127.0.0.1:8080 \
	"$bin/service" &
pids+=($!)
wait_http http://127.0.0.1:8081/healthz service

cat <<MSG

  Jaeger query API  http://127.0.0.1:16686/api/v3/traces/{traceID}   (log: .cache/jaeger.log)
  Hive server       http://127.0.0.1:8080    (records in $HIVE_DB)
  example service   http://127.0.0.1:8081

  Try:
    curl -i http://127.0.0.1:8081/reports/1       # a report; X-Hive-Record holds the record uuid
    curl -i http://127.0.0.1:8081/reports/99      # a failing boundary
    curl -s -d '{"args":{"userId":3}}' http://127.0.0.1:8081/tasks/getUserReport
    HIVE_HOST=http://127.0.0.1:8080 $bin/hive logs list --task getUserReport
    HIVE_HOST=http://127.0.0.1:8080 $bin/service replay getUserReport --uuid <uuid>
    $bin/service replay getUserReport --trace <trace id>   # rebuilt from Jaeger

  (credentials: HIVE_API_KEY=$HIVE_API_KEY HIVE_API_SECRET=$HIVE_API_SECRET)
  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
echo "up: a process exited; stopping the others" >&2
