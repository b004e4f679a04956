#!/usr/bin/env bash
# Full fine-tuning of the same rows as benchmarks/FineTune.java, in PyTorch with the textbook recipe:
#   benchmarks/reference-fine-tune.sh TRAIN.csv TEST.csv SAMPLE_SIZE BASE_MODEL [reference_fine_tune.py options]
# e.g. benchmarks/reference-fine-tune.sh ../shared/datasets/sst2/train.csv ../shared/datasets/sst2/test.csv 8000 \
#        all-minilm-l6-v2 --learning-rate 2e-5
# Needs PyTorch for the system Python (Debian packages; OpenBLAS, or the reference BLAS makes it 20x slower):
#   apt-get install -y python3-torch python3-numpy libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=$1 TEST=$2 SAMPLE=$3 MODEL=$4
shift 4
OUT=${OUT:-target/reference-data/$MODEL-$SAMPLE-$(basename "$(dirname "$TRAIN")")}
PYTHON=${PYTHON:-/usr/bin/python3}
if [ ! -f "$OUT/data.json" ]; then
  ./mvnw -B -q compile -Dcodegen.skip=true
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/benchmark.classpath -Dcodegen.skip=true > /dev/null
  java benchmarks/PathingJar.java target/benchmark-classpath.jar "target/classes:$(cat target/benchmark.classpath)"
  java -Xmx4g -Dai.djl.offline=true -cp target/benchmark-classpath.jar benchmarks/ReferenceData.java \
    "$TRAIN" "$TEST" "$SAMPLE" "$MODEL" "$OUT"
fi
echo "machine: $(nproc) cores, $(nproc) available, one thread used"
OPENBLAS_NUM_THREADS=1 "$PYTHON" benchmarks/reference_fine_tune.py "$OUT" "$@"
