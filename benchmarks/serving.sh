#!/usr/bin/env bash
# Serving benchmark: raw ONNX Runtime against Bonsai over HTTP, and 1,000 tenants' models at once.
#
#   ./mvnw package -DskipTests && benchmarks/serving.sh [texts.csv] [models] [train.csv]
#
# Starts its own server (embedded PostgreSQL in a temporary directory, port 18081, one intra-op
# thread, rate limits raised out of the way) and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
CSV=${1:-../shared/datasets/sst2/test.csv}
MODELS=${2:-1000}
TRAIN=${3:-$(dirname "$CSV")/train.csv}
PORT=${PORT:-18081}
KEY=benchmark-admin-key-0123456789
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; cp "$WORK/server.log" target/serving-server.log 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -f target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"

start_server() {
  BONSAI_ADMIN_KEY=$KEY BONSAI_PG_DIR=$WORK/pg BONSAI_BLOB_DIR=$WORK/blobs PORT=$PORT BONSAI_ENGINE_THREADS=1 \
    BONSAI_INFERENCE_REQUESTS_PER_SECOND=100000 BONSAI_INFERENCE_BURST=100000 MALLOC_ARENA_MAX=2 \
    java -Xmx2g -Dai.djl.pytorch.num_threads=1 -jar target/quarkus-app/quarkus-run.jar >> "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do
    curl -sf "localhost:$PORT/q/health/ready" > /dev/null && return
    sleep 1
  done
  echo "the server did not become ready" >&2
  exit 1
}
bench() {
  java -Xmx1g -cp target/benchmark-classpath.jar benchmarks/Serving.java "http://localhost:$PORT" "$KEY" "$CSV" "$SERVER" "$@"
}
start_server
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); server and load generator on the same host"
bench "$MODELS" "$TRAIN" "$WORK/targets.txt"
# (c) again in a server that did not make the models: what serving them costs on its own.
kill $SERVER
wait $SERVER 2>/dev/null || true
start_server
bench --serve "$WORK/targets.txt"
