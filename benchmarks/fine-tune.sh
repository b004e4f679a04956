#!/usr/bin/env bash
# Fine-tuning on the shared datasets, one thread:
#   benchmarks/fine-tune.sh [path/to/datasets] [head|full|all]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/datasets}
WHICH=${2:-all}
./mvnw -B -q compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
# A short -cp through a manifest jar: ONNX Runtime's native loader crashes on a long class path.
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
run() {
  java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    -cp target/benchmark-classpath.jar benchmarks/FineTune.java "$@"
}
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), 1 intra-op thread (ONNX Runtime and PyTorch)"
if [ "$WHICH" = head ] || [ "$WHICH" = all ]; then
  run "$DATA/sst2/train.csv" "$DATA/sst2/test.csv" 8000 all-minilm-l6-v2 head
  run "$DATA/trec/train.csv" "$DATA/trec/test.csv" 0 all-minilm-l6-v2 head
  run "$DATA/chnsenticorp/train.csv" "$DATA/chnsenticorp/test.csv" 0 bge-small-zh-v1.5 head
fi
# The full method at the jobs' default learning rate (EncoderTrainer.LEARNING_RATE), written out so
# that each line says which rate its figures are for.
if [ "$WHICH" = full ] || [ "$WHICH" = all ]; then
  run "$DATA/sst2/train.csv" "$DATA/sst2/test.csv" 8000 all-minilm-l6-v2 full 64 3 5e-5
  run "$DATA/trec/train.csv" "$DATA/trec/test.csv" 0 all-minilm-l6-v2 full 64 3 5e-5
  run "$DATA/chnsenticorp/train.csv" "$DATA/chnsenticorp/test.csv" 0 bge-small-zh-v1.5 full 128 2 5e-5
fi
