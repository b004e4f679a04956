#!/usr/bin/env bash
# Dataset uploads into a database that already holds other tenants' data: the time of uploads of
# 1,000 to 64,000 rows (and of a real file, if given) after 1,000,000 rows of another tenant are
# stored, so that an upload's cost can be seen to grow with its own rows only.
#
#   ./mvnw package -DskipTests && benchmarks/upload-scaling.sh [path/to/sst2/train.csv] [SEED_ROWS]
#
# Starts its own server (embedded PostgreSQL in a temporary directory, port 18081) and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

CSV=${1:-}
SEED_ROWS=${2:-1000000}
PORT=${PORT:-18081}
KEY=benchmark-admin-key-0123456789
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

[ -f target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }

BONSAI_ADMIN_KEY=$KEY BONSAI_PG_DIR=$WORK/pg BONSAI_BLOB_DIR=$WORK/blobs PORT=$PORT \
  BONSAI_DATASET_MAX_UPLOAD_SIZE=200M BONSAI_HTTP_MAX_BODY_SIZE=201M \
  java -Xmx1g -jar target/quarkus-app/quarkus-run.jar > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "localhost:$PORT/q/health/ready" > /dev/null && break
  sleep 1
done
tenant() {
  curl -sf -X POST "localhost:$PORT/v1/tenants" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d "{\"name\":\"$1\"}" | sed 's/.*"secret":"\([^"]*\)".*/\1/'
}
upload() { # key file -> prints "status seconds"
  curl -s -o "$WORK/answer.json" -w '%{http_code} %{time_total}' -X POST \
    "localhost:$PORT/v1/datasets?name=$(basename "$2")" -H "Authorization: Bearer $1" \
    -H 'Content-Type: text/csv' --data-binary @"$2"
}
generate() { # rows seed file: varied sentences, 4 labels, every text distinct
  awk -v rows="$1" -v seed="$2" 'BEGIN {
    srand(seed); split("the a one some every this that my your our", d, " ");
    split("film plot actor scene story music camera ending script cast", n, " ");
    split("was is seemed felt looked became remained proved", v, " ");
    split("great awful dull moving clever slow bright tender loud quiet", a, " ");
    print "text,label"
    for (i = 0; i < rows; i++) {
      line = d[int(rand()*10)+1] " " n[int(rand()*10)+1] " " v[int(rand()*8)+1] " " a[int(rand()*10)+1]
      print "\"" line " number " seed "-" i "\",label" int(rand()*4)
    }
  }' > "$3"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
OTHER=$(tenant other)
MINE=$(tenant mine)
generate 2000 1 "$WORK/warmup.csv"
upload "$MINE" "$WORK/warmup.csv" > /dev/null
if [ "$SEED_ROWS" -gt 0 ]; then
  generate "$SEED_ROWS" 2 "$WORK/seed.csv"
  result=$(upload "$OTHER" "$WORK/seed.csv")
  echo "another tenant's upload of $SEED_ROWS rows: HTTP ${result% *}, ${result#* } s"
  sleep 30 # let autovacuum analyze the table, as it would on a server that has been running
fi
for rows in 1000 2000 4000 8000 16000 32000 64000; do
  generate "$rows" "$rows" "$WORK/upload-$rows.csv"
  result=$(upload "$MINE" "$WORK/upload-$rows.csv")
  awk -v rows="$rows" -v status="${result% *}" -v seconds="${result#* }" \
    'BEGIN { printf "upload of %6d rows: HTTP %s, %8.2f s, %6.1f µs a row\n", rows, status, seconds, seconds * 1e6 / rows }' 
done
if [ -n "$CSV" ]; then
  result=$(upload "$MINE" "$CSV")
  echo "upload of $(basename "$CSV") ($(($(wc -l < "$CSV") - 1)) lines): HTTP ${result% *}, ${result#* } s"
fi
