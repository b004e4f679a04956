#!/usr/bin/env bash
# int8 dynamic quantization: size and single-thread latency against fp32 and the reference int8 model.
#   benchmarks/quantization.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark-test.classpath -Dmdep.includeScope=test \
  -Dcodegen.skip=true > /dev/null
# A short -cp through a manifest jar: ONNX Runtime's native loader crashes on a long class path.
java benchmarks/PathingJar.java target/benchmark-test-classpath.jar "target/classes:$(cat target/benchmark-test.classpath)"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), ONNX Runtime 1 intra-op thread"
java -Dai.djl.offline=true -cp target/benchmark-test-classpath.jar benchmarks/Quantization.java "${1:-30}"
