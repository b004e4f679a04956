#!/usr/bin/env bash
# Embedding fine-tuning on WikiQA, one thread:
#   benchmarks/embedding-fine-tune.sh [path/to/datasets] [partial|full] [base model]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/datasets}
METHOD=${2:-full}
MODEL=${3:-all-minilm-l6-v2}
./mvnw -B -q compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
# A short -cp through a manifest jar: ONNX Runtime's native loader crashes on a long class path.
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), 1 intra-op thread (ONNX Runtime and PyTorch)"
java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -cp target/benchmark-classpath.jar benchmarks/EmbeddingFineTune.java "$DATA/wikiqa" "$MODEL" "$METHOD"
