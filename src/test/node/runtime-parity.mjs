// How far a bundle's outputs in other runtimes are from the server's, on texts of your choice.
//
//   node runtime-parity.mjs <bundle folder> <texts file, one per line> <server> <tenant key> <model> <variant>
//
// The server answers through its predictions API (batches of 32); the bundle runs one text at a time
// in onnxruntime-node and in onnxruntime-web's WebAssembly backend (both one thread), on the ids
// transformers.js's AutoTokenizer gives as MODEL_CARD.md says. Prints one JSON line per runtime.
import fs from 'node:fs';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { AutoTokenizer, env } from '@huggingface/transformers';

const [folder, textsFile, server, key, model, variant] = process.argv.slice(2);
const bundle = path.resolve(folder);
const config = JSON.parse(fs.readFileSync(path.join(bundle, 'bonsai.json'), 'utf8'));
const texts = fs.readFileSync(textsFile, 'utf8').split('\n').filter((line) => line.length > 0);

env.allowRemoteModels = false;
env.localModelPath = path.dirname(bundle) + path.sep;
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(bundle));

// As MODEL_CARD.md does: transformers.js's own truncation cuts the closing [SEP], so cut the text's pieces instead.
const sep = tokenizer.sep_token_id;
const encode = (text) => {
  const ids = tokenizer.encode(text);
  return ids.length <= config.maxSequenceLength ? ids : [...ids.slice(0, config.maxSequenceLength - 1), sep];
};

const served = [];
for (let i = 0; i < texts.length; i += 32) {
  const response = await fetch(`${server}/v1/models/${model}/predictions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ inputs: texts.slice(i, i + 32), variant, topK: config.labels.length }),
  });
  if (!response.ok) throw new Error(`predictions answered ${response.status}: ${await response.text()}`);
  for (const prediction of (await response.json()).data) {
    const byLabel = Object.fromEntries(prediction.labels.map((entry) => [entry.label, entry.score]));
    served.push(config.labels.map((label) => byLabel[label]));
  }
}

const argmax = (values) => values.reduce((best, value, i) => (value > values[best] ? i : best), 0);
for (const [runtime, ort, options] of [
  [`onnxruntime-node ${ortNode.env.versions.node}`, ortNode, {}],
  [`onnxruntime-web ${ortWeb.env.versions.web} (wasm)`, ortWeb, {}],
]) {
  if (ort === ortWeb) ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(path.join(bundle, 'model.onnx'), { intraOpNumThreads: 1, ...options });
  let max = 0;
  let sum = 0;
  let flips = 0;
  for (let i = 0; i < texts.length; i++) {
    const ids = encode(texts[i]);
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), [1, ids.length]),
    };
    const probabilities = Array.from((await session.run(feeds)).probabilities.data);
    const difference = Math.max(...probabilities.map((p, c) => Math.abs(p - served[i][c])));
    max = Math.max(max, difference);
    sum += difference;
    flips += argmax(probabilities) === argmax(served[i]) ? 0 : 1;
  }
  await session.release();
  console.log(JSON.stringify({ variant, recipe: config.recipe, runtime, texts: texts.length,
    maxDifference: max, meanDifference: sum / texts.length, labelFlips: flips }));
}
