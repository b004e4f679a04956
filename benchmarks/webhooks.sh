#!/usr/bin/env bash
# Webhook delivery latency, from a job's end to the receiver: COUNT batch jobs announced to a
# receiver on loopback (benchmarks/webhooks.mjs), p50/p90/p99.
#
#   ./mvnw package -DskipTests && benchmarks/webhooks.sh [train.csv] [count]
#
# Starts its own server (embedded PostgreSQL in a temporary directory, port 18083, non-public
# webhook targets allowed for the loopback receiver) and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=${1:-examples/reviews.csv}
COUNT=${2:-200}
PORT=${PORT:-18083}
KEY=benchmark-admin-key-0123456789
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; cp "$WORK/server.log" target/webhooks-server.log 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -f target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
BONSAI_ADMIN_KEY=$KEY BONSAI_PG_DIR=$WORK/pg BONSAI_BLOB_DIR=$WORK/blobs BONSAI_WEBHOOKS_KEY_FILE=$WORK/webhook.key \
  BONSAI_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true PORT=$PORT BONSAI_ENGINE_THREADS=1 MALLOC_ARENA_MAX=2 \
  java -Xmx1g -jar target/quarkus-app/quarkus-run.jar >> "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "localhost:$PORT/q/health/ready" > /dev/null && break
  sleep 1
done
curl -sf "localhost:$PORT/q/health/ready" > /dev/null || { echo "the server did not become ready" >&2; exit 1; }
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), node $(node --version); server and receiver on the same host"
node benchmarks/webhooks.mjs "http://localhost:$PORT" "$KEY" "$TRAIN" "$COUNT"
