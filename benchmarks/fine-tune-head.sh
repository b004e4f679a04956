#!/usr/bin/env bash
# Head fine-tuning on the shared datasets, one thread:
#   benchmarks/fine-tune-head.sh [path/to/datasets]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/datasets}
./mvnw -B -q compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
# A short -cp through a manifest jar: ONNX Runtime's native loader crashes on a long class path.
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
run() { java -Xmx4g -Dai.djl.offline=true -cp target/benchmark-classpath.jar benchmarks/HeadFineTune.java "$@"; }
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), ONNX Runtime 1 intra-op thread"
run "$DATA/sst2/train.csv" "$DATA/sst2/test.csv" 8000 all-minilm-l6-v2
run "$DATA/trec/train.csv" "$DATA/trec/test.csv" 0 all-minilm-l6-v2
run "$DATA/chnsenticorp/train.csv" "$DATA/chnsenticorp/test.csv" 0 bge-small-zh-v1.5
