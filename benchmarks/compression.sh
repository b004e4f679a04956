#!/usr/bin/env bash
# Compression of the fine-tuning benchmarks' models, one thread:
#   benchmarks/compression.sh [path/to/datasets] [head|full]
# Trains the SST-2 and TREC classifiers (benchmarks/FineTune.java, written to target/benchmark-models),
# then applies every technique and auto for the Raspberry Pi 4 and browser profiles to each.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/datasets}
METHOD=${2:-head}
./mvnw -B -q compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
# A short -cp through a manifest jar: ONNX Runtime's native loader crashes on a long class path.
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
mkdir -p target/benchmark-models
run() {
  java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    -cp target/benchmark-classpath.jar "$@"
}
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), 1 intra-op thread (ONNX Runtime and PyTorch)"
for set in "sst2 8000" "trec 0"; do
  read -r name sample <<< "$set"
  model="target/benchmark-models/$name-$METHOD.onnx"
  if [ ! -f "$model" ]; then
    run benchmarks/FineTune.java "$DATA/$name/train.csv" "$DATA/$name/test.csv" "$sample" all-minilm-l6-v2 "$METHOD" 64 3 3e-5 "$model"
  fi
  run benchmarks/Compress.java "$DATA/$name/train.csv" "$DATA/$name/test.csv" "$sample" all-minilm-l6-v2 "$model"
done
