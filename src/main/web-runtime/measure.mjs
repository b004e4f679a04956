// Runs an ONNX graph in onnxruntime-web's WebAssembly backend (one thread) and measures it, as a
// browser would run it: the time to create the session from the file's bytes, then single-text latency.
//
//   node measure.mjs <model.onnx> <inputs.json: [[token ids], ...]> <timed runs>
//
// Prints one JSON object: {runtime, loadMillis, p50Millis, p95Millis, runs}, or {runtime, error} when
// the runtime cannot load or run the graph (an operator it lacks, say).
import fs from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
const [model, inputsFile, runsArgument] = process.argv.slice(2);
const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
const runs = Number(runsArgument);
const runtime = `onnxruntime-web ${ort.env.versions.web} (WebAssembly, one thread) in Node ${process.version}`;

const feeds = (session, ids) => {
  const shape = [1, ids.length];
  const all = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), shape),
  };
  return Object.fromEntries(session.inputNames.map((name) => [name, all[name]]));
};

const nearestRank = (sorted, p) => sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))];
const round = (millis) => Math.round(millis * 1000) / 1000;

try {
  const bytes = fs.readFileSync(model);
  const loadStart = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], intraOpNumThreads: 1 });
  const loadMillis = performance.now() - loadStart;
  // V8 compiles WebAssembly in tiers: the first runs go through its baseline compiler, so warm up first.
  for (let i = 0; i < 10; i++) {
    await session.run(feeds(session, inputs[i % inputs.length]));
  }
  const millis = [];
  for (let i = 0; i < runs; i++) {
    const input = feeds(session, inputs[i % inputs.length]);
    const start = performance.now();
    await session.run(input);
    millis.push(performance.now() - start);
  }
  await session.release();
  millis.sort((a, b) => a - b);
  console.log(JSON.stringify({ runtime, loadMillis: round(loadMillis), p50Millis: round(nearestRank(millis, 0.5)),
    p95Millis: round(nearestRank(millis, 0.95)), runs }));
} catch (e) {
  console.log(JSON.stringify({ runtime, error: String(e?.message ?? e).split('\n')[0] }));
}
