#!/usr/bin/env bash
# One full fine-tuning step of the engine against the same step in PyTorch, one thread:
#   benchmarks/training-step.sh [TEXTS.csv] [ROWS] [OUT_DIR]
# Needs PyTorch for the system Python (Debian packages; OpenBLAS, or the reference BLAS makes it 20x slower):
#   apt-get install -y python3-torch python3-numpy libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
TEXTS=${1:-../shared/datasets/sst2/test.csv}
ROWS=${2:-16}
OUT=${3:-target/training-step}
PYTHON=${PYTHON:-/usr/bin/python3}
# The step is taken by OneTrainingStep, which lives with the engine's tests.
./mvnw -B -q test-compile -Dcodegen.skip=true
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:target/test-classes:$(cat target/benchmark.classpath)"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), 1 intra-op thread"
java -Xmx4g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -cp target/benchmark-classpath.jar benchmarks/TrainingStep.java "$TEXTS" "$ROWS" "$OUT" all-minilm-l6-v2 64 10
OPENBLAS_NUM_THREADS=1 "$PYTHON" benchmarks/training_step.py "$OUT" 10
