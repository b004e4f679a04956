#!/usr/bin/env bash
# Batch predictions benchmark: a batch of ROWS rows against raw ONNX Runtime and the predictions API.
#
#   ./mvnw package -DskipTests && benchmarks/batch.sh [texts.csv] [rows] [train.csv]
#
# Starts its own server (embedded PostgreSQL in a temporary directory, port 18082, one intra-op
# thread, heap HEAP, default 1g) and stops it. See benchmarks/Serving.java, part (d).
set -euo pipefail
cd "$(dirname "$0")/.."
CSV=${1:-../shared/datasets/sst2/test.csv}
ROWS=${2:-20000}
TRAIN=${3:-$(dirname "$CSV")/train.csv}
PORT=${PORT:-18082}
HEAP=${HEAP:-1g}
KEY=benchmark-admin-key-0123456789
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; cp "$WORK/server.log" target/batch-server.log 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -f target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
BONSAI_ADMIN_KEY=$KEY BONSAI_PG_DIR=$WORK/pg BONSAI_BLOB_DIR=$WORK/blobs PORT=$PORT BONSAI_ENGINE_THREADS=1 \
  BONSAI_INFERENCE_REQUESTS_PER_SECOND=100000 BONSAI_INFERENCE_BURST=100000 MALLOC_ARENA_MAX=2 \
  java -Xmx$HEAP -Dai.djl.pytorch.num_threads=1 -jar target/quarkus-app/quarkus-run.jar >> "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "localhost:$PORT/q/health/ready" > /dev/null && break
  sleep 1
done
curl -sf "localhost:$PORT/q/health/ready" > /dev/null || { echo "the server did not become ready" >&2; exit 1; }
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); server heap $HEAP; server and client on the same host"
java -Xmx1g -cp target/benchmark-classpath.jar benchmarks/Serving.java "http://localhost:$PORT" "$KEY" "$CSV" "$SERVER" \
  --batch "$ROWS" "$TRAIN"
