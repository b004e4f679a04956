#!/usr/bin/env bash
# Dataset upload benchmark: time to upload a real CSV with its full validation report, and the
# server's heap while it takes a generated 100 MB CSV.
#
#   ./mvnw package -DskipTests && benchmarks/dataset-upload.sh [path/to/sst2/train.csv]
#
# Starts its own server (embedded PostgreSQL in a temporary directory, port 18080) and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

CSV=${1:-../shared/datasets/sst2/train.csv}
PORT=${PORT:-18080}
HEAP=${HEAP:-128m}
KEY=benchmark-admin-key-0123456789
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

[ -f target/quarkus-app/quarkus-run.jar ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 1; }
[ -f "$CSV" ] || { echo "no such file: $CSV" >&2; exit 1; }

BONSAI_ADMIN_KEY=$KEY BONSAI_PG_DIR=$WORK/pg BONSAI_BLOB_DIR=$WORK/blobs PORT=$PORT \
  java -Xmx$HEAP -jar target/quarkus-app/quarkus-run.jar > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "localhost:$PORT/q/health/ready" > /dev/null && break
  sleep 1
done
TENANT_KEY=$(curl -sf -X POST "localhost:$PORT/v1/tenants" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"name":"benchmark"}' | sed 's/.*"secret":"\([^"]*\)".*/\1/')

heap_used_mb() { # live-ish heap now: eden + survivors + old generation, from jstat (KB)
  jstat -gc "$SERVER" | awk 'NR == 2 {printf "%d", ($3 + $4 + $6 + $8) / 1024}'
}

upload() { # file -> prints "status seconds"
  curl -s -o "$WORK/answer.json" -w '%{http_code} %{time_total}' -X POST \
    "localhost:$PORT/v1/datasets?name=$(basename "$1")" -H "Authorization: Bearer $TENANT_KEY" \
    -H 'Content-Type: text/csv' --data-binary @"$1"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), server -Xmx$HEAP"
# Warm-up with a small slice, so the figure below is not class loading and JIT.
head -2000 "$CSV" > "$WORK/warmup.csv"
upload "$WORK/warmup.csv" > /dev/null
result=$(upload "$CSV"); status=${result% *}; seconds=${result#* }
rows=$(grep -o '"rows":[0-9]*' "$WORK/answer.json" | head -1 | cut -d: -f2 || true)
echo "upload $(basename "$CSV"): $(wc -c < "$CSV") bytes, $rows rows, HTTP $status, ${seconds} s with full report"

# A generated CSV of about 100 MB (varied sentences, 4 labels).
awk 'BEGIN {
  srand(7); split("the a one some every this that my your our", d, " ");
  split("film plot actor scene story music camera ending script cast", n, " ");
  split("was is seemed felt looked became remained proved", v, " ");
  split("great awful dull moving clever slow bright tender loud quiet", a, " ");
  print "text,label"; size = 0
  while (size < 100000000) {
    line = ""
    for (s = 0; s < 3; s++) line = line d[int(rand()*10)+1] " " n[int(rand()*10)+1] " " v[int(rand()*8)+1] " " a[int(rand()*10)+1] " and "
    line = "\"" line int(rand()*1000000) "\",label" int(rand()*4)
    print line; size += length(line) + 1
  }
}' > "$WORK/big.csv"
jcmd "$SERVER" GC.run > /dev/null
idle=$(heap_used_mb)
jstat -gc "$SERVER" 200 > "$WORK/jstat.log" &
JSTAT=$!
upload "$WORK/big.csv" > "$WORK/big.status"
kill $JSTAT
peak=$(awk '$1 ~ /^[0-9.]+$/ {used = ($3 + $4 + $6 + $8) / 1024; if (used > max) max = used} END {printf "%d", max}' "$WORK/jstat.log")
result=$(cat "$WORK/big.status"); status=${result% *}; seconds=${result#* }
rows=$(grep -o '"rows":[0-9]*' "$WORK/answer.json" | head -1 | cut -d: -f2 || true)
echo "upload generated CSV: $(wc -c < "$WORK/big.csv") bytes, $rows rows, HTTP $status, ${seconds} s"
echo "heap used (jstat, every 0.2 s, -Xmx$HEAP): idle after GC $idle MB, peak during upload $peak MB, peak above idle $((peak - idle)) MB"
