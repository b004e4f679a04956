// Checks a downloaded Bonsai bundle with tools nobody on the project wrote.
//
//   node bundle-check.mjs <bundle folder>
//
// - every file matches SHA256SUMS;
// - transformers.js's AutoTokenizer loads the bundle, and encoding each parity.jsonl text as
//   MODEL_CARD.md does gives exactly the row's inputIds;
// - onnxruntime-node and onnxruntime-web (WebAssembly) run model.onnx on each row's inputIds,
//   and the largest difference from the row's probabilities (an embedding model's: its vector) is
//   reported per runtime.
// Prints one JSON object.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { AutoTokenizer, env } from '@huggingface/transformers';

const bundle = path.resolve(process.argv[2]);
const read = (name) => fs.readFileSync(path.join(bundle, name));
const config = JSON.parse(read('bonsai.json'));
const rows = read('parity.jsonl').toString('utf8').trim().split('\n').map((line) => JSON.parse(line));

const checksumFailures = read('SHA256SUMS').toString('utf8').trim().split('\n')
  .map((line) => line.split(/\s+/))
  .filter(([sum, name]) => crypto.createHash('sha256').update(read(name)).digest('hex') !== sum)
  .map(([, name]) => name);

env.allowRemoteModels = false;
env.localModelPath = path.dirname(bundle) + path.sep;
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(bundle));
const maxLength = config.maxSequenceLength;
const encode = (text) => {
  const ids = tokenizer.encode(text);
  return ids.length <= maxLength ? ids : [...ids.slice(0, maxLength - 1), tokenizer.sep_token_id];
};
const tokenMismatches = rows
  .filter((row) => JSON.stringify(encode(row.text)) !== JSON.stringify(row.inputIds))
  .map((row) => ({ text: row.text, expected: row.inputIds, actual: encode(row.text) }));

const runtimes = [];
ortWeb.env.wasm.numThreads = 1;
for (const [runtime, ort] of [
  [`onnxruntime-node ${ortNode.env.versions.node}`, ortNode],
  [`onnxruntime-web ${ortWeb.env.versions.web} (wasm)`, ortWeb],
]) {
  const session = await ort.InferenceSession.create(path.join(bundle, 'model.onnx'), { intraOpNumThreads: 1 });
  let maxDifference = 0;
  for (const row of rows) {
    const shape = [1, row.inputIds.length];
    const outputs = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(row.inputIds, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(row.inputIds.length).fill(1n), shape),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(row.inputIds.length), shape),
    });
    // A classifier's rows have probabilities, an embedding model's the vector.
    const [name, expected] = row.embedding === undefined ? ['probabilities', row.probabilities] : ['embedding', row.embedding];
    outputs[name].data.forEach((value, c) => {
      maxDifference = Math.max(maxDifference, Math.abs(value - expected[c]));
    });
  }
  await session.release();
  runtimes.push({ runtime, maxDifference });
}
console.log(JSON.stringify({ rows: rows.length, checksumFailures, tokenMismatches, runtimes }));
