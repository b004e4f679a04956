#!/usr/bin/env bash
# How far a downloaded bundle's outputs are, in onnxruntime-node and onnxruntime-web (WebAssembly),
# from the answers the running server gives for the same texts.
#   benchmarks/bundle-parity.sh BUNDLE_ZIP TEXTS_FILE MODEL VARIANT
# TEXTS_FILE holds one text per line; BONSAI_URL (default http://localhost:8080) and BONSAI_KEY (a
# tenant key whose prediction rate limit admits the texts) name the server. Installs the npm packages
# of src/test/node (as the tests do) into target/node-checks.
set -euo pipefail
cd "$(dirname "$0")/.."
zip=$(realpath "$1"); texts=$(realpath "$2"); model=$3; variant=$4
home=target/node-checks
mkdir -p "$home"
cp src/test/node/package.json src/test/node/package-lock.json src/test/node/*.mjs "$home/"
(cd "$home" && { cmp -s package-lock.json node_modules/.bonsai-lock || { npm ci --ignore-scripts --no-audit --no-fund \
  && cp package-lock.json node_modules/.bonsai-lock; }; })
bundle=$(mktemp -d "$home/bundle-XXXX")
(cd "$bundle" && unzip -q "$zip")
echo "machine: $(nproc) cores, node $(node --version), one thread per runtime"
node "$home/runtime-parity.mjs" "$bundle" "$texts" "${BONSAI_URL:-http://localhost:8080}" "$BONSAI_KEY" "$model" "$variant"
rm -rf "$bundle"
