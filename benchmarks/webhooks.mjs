// Webhook delivery latency: from a job's end (the event's timestamp, taken as the job is ended) to
// the receiver, for COUNT batch jobs of three rows each, run one after another by the server's
// one job worker. The receiver is this process, on loopback; every delivery's Standard Webhooks
// signature is checked here with node:crypto.
//
//   node benchmarks/webhooks.mjs <base URL> <admin key> <train.csv> <count>
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const [baseUrl, adminKey, trainCsv, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 200);

async function call(key, method, path, body, type = 'application/json') {
  const response = await fetch(baseUrl + path, {
    method, headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': type }) },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function ended(key, path) {
  for (;;) {
    const job = await call(key, 'GET', path);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const latencies = [];
let badSignatures = 0;
let secret = '';
let done;
const allArrived = new Promise((resolve) => { done = resolve; });
const receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const arrived = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    const signed = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${body}`;
    const expected = 'v1,' + crypto.createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(signed).digest('base64');
    if (request.headers['webhook-signature'] !== expected) {
      badSignatures++;
    }
    latencies.push(arrived - Date.parse(JSON.parse(body).timestamp));
    response.writeHead(204).end();
    if (latencies.length === count) {
      done();
    }
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

const tenant = await call(adminKey, 'POST', '/v1/tenants', { name: 'webhook benchmark' });
const key = tenant.apiKey.secret;
const dataset = await call(key, 'POST', '/v1/datasets?name=train', fs.readFileSync(trainCsv), 'text/csv');
const fineTuning = await call(key, 'POST', '/v1/fine-tuning/jobs', { baseModel: 'all-minilm-l6-v2', dataset: dataset.id, method: 'head' });
const model = (await ended(key, `/v1/fine-tuning/jobs/${fineTuning.id}`)).modelId;
const endpoint = await call(key, 'POST', '/v1/webhook-endpoints',
  { url: `http://127.0.0.1:${receiver.address().port}/hook`, events: ['batch.succeeded'] });
secret = endpoint.secret;

const started = Date.now();
for (let i = 0; i < count; i++) {
  await call(key, 'POST', `/v1/batches?model=${model}`, `text\nFirst line ${i}\nSecond line ${i}\nThird line ${i}\n`, 'text/csv');
}
await allArrived;
const seconds = (Date.now() - started) / 1000;
receiver.close();
const sorted = [...latencies].sort((a, b) => a - b);
const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
console.log(JSON.stringify({
  deliveries: latencies.length, badSignatures, secondsForAll: seconds,
  latencyMillis: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1], min: sorted[0] },
}));
