#!/usr/bin/env bash
# Blob store throughput, filesystem against S3 (S3Proxy on loopback, same disk).
#   benchmarks/blob-throughput.sh [SIZE_MIB] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark-test.classpath -Dmdep.includeScope=test \
  -Dcodegen.skip=true > /dev/null
CLASSPATH="target/classes:target/test-classes:$(cat target/benchmark-test.classpath)"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); S3Proxy runs on the same cores"
# S3Server starts S3Proxy with the class path it is told in surefire.test.class.path.
java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dsurefire.test.class.path="$CLASSPATH" -cp "$CLASSPATH" benchmarks/BlobThroughput.java "${1:-256}" "${2:-5}"
