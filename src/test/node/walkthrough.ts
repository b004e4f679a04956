// The whole tenant walkthrough driven by a client generated from openapi.yaml (openapi-typescript
// types, openapi-fetch), written to the types alone: it compiles with `tsc --strict` and has no
// non-null assertion, so every field it reads is one the document promises. Each answer is also
// checked against the document at run time (contract.ts).
//
//   node walkthrough.js <base URL> <admin key> <openapi.yaml> <dataset.csv>
// Prints one JSON object: what was checked, and the contract failures (none when all is well).
import fs from 'node:fs';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './bonsai-api.js';
import { contract } from './contract.js';

type Schemas = components['schemas'];

function argument(index: number, name: string): string {
  const value = process.argv[2 + index];
  if (value === undefined) {
    throw new Error(`Usage: node walkthrough.js <base URL> <admin key> <openapi.yaml> <dataset.csv> (${name} is missing)`);
  }
  return value;
}
const baseUrl = argument(0, 'base URL');
const adminKey = argument(1, 'admin key');
const specPath = argument(2, 'openapi.yaml');
const datasetPath = argument(3, 'dataset.csv');
const spec = contract(specPath);
const checked: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    await spec.check(request.method, schemaPath, response);
    return response;
  },
};

/** The answer's data, or an error naming the problem the server sent. */
function ok<D>(result: { data?: D; error?: unknown; response: Response }): D {
  if (result.error !== undefined || result.data === undefined) {
    throw new Error(`${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`Failed: ${what}; contract failures so far: ${JSON.stringify(spec.failures, null, 1)}`);
  }
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const ended = (status: Schemas['JobStatus']) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

const admin = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${adminKey}` } });
admin.use(checked);

// 1. A tenant; its first key's secret is there, as the types promise.
const created = ok(await admin.POST('/v1/tenants', { body: { name: 'typescript walkthrough' } }));
const secret: string = created.apiKey.secret;
const tenantId: string = created.id;
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${secret}` } });
api.use(checked);

// The prediction rate limit: set, then back to the service default with null.
const limited = ok(await admin.PATCH('/v1/tenants/{id}', {
  params: { path: { id: tenantId } },
  body: { predictionRateLimit: { requestsPerSecond: 50, burst: 100 } },
}));
check(limited.predictionRateLimit?.burst === 100, 'the rate limit was set');
const unlimited = ok(await admin.PATCH('/v1/tenants/{id}', {
  params: { path: { id: tenantId } },
  body: { predictionRateLimit: null },
}));
check(unlimited.predictionRateLimit === null, 'null restores the service default');

// 2. Catalogues.
const baseModels = ok(await api.GET('/v1/base-models')).data;
check(baseModels.some((model) => model.id === 'all-minilm-l6-v2'), 'all-MiniLM-L6-v2 is offered');
const devices = ok(await api.GET('/v1/devices')).data;
const accelerators: (string | null)[] = devices.map((device) => device.accelerator);
check(accelerators.includes(null), 'some device has no accelerator');

// 3. Uploads: the raw CSV body (a body serializer that sends the string as it is), and multipart.
const csv = fs.readFileSync(datasetPath, 'utf8');
const raw = ok(await api.POST('/v1/datasets', {
  params: { query: { name: 'reviews (raw)' } },
  body: csv,
  bodySerializer: (body) => body,
  headers: { 'Content-Type': 'text/csv' },
}));
const multipart = ok(await api.POST('/v1/datasets', {
  params: { query: { name: 'reviews (multipart)', format: 'csv' } },
  body: { file: new Blob([csv], { type: 'text/csv' }) },
  bodySerializer: (body) => {
    const form = new FormData();
    if (typeof body !== 'string' && body.file !== undefined) {
      form.append('file', body.file, 'reviews.csv');
    }
    return form;
  },
}));
check(raw.status === 'ready' && multipart.status === 'ready', 'both uploads are ready');
check(raw.sha256 === multipart.sha256 && raw.rows === multipart.rows, 'both uploads hold the same file');
const report = ok(await api.GET('/v1/datasets/{id}/report', { params: { path: { id: raw.id } } }));
check(report.stats?.rows === raw.rows && (report.splits?.train ?? 0) > 0, 'the report counts the rows and the splits');
const trainRows = ok(await api.GET('/v1/datasets/{id}/rows', { params: { path: { id: raw.id }, query: { split: 'train' } } }));
check(trainRows.data.every((row) => row.split === 'train'), 'the rows of one split');

// Paging to the end with nextCursor, one item a page.
const pagedIds: string[] = [];
let after: string | null = null;
do {
  const query: { limit: number; after?: string } = after === null ? { limit: 1 } : { limit: 1, after };
  const page: Schemas['PageDataset'] = ok(await api.GET('/v1/datasets', { params: { query } }));
  pagedIds.push(...page.data.map((dataset) => dataset.id));
  after = page.nextCursor;
} while (after !== null && pagedIds.length < 10);
check(pagedIds.length === 2 && pagedIds.includes(raw.id) && pagedIds.includes(multipart.id), 'paging ends');

// A broken file is refused with a problem; the rejected dataset carries the report naming the line.
const broken = await api.POST('/v1/datasets', {
  body: 'text,label\n"never closed,positive\n', bodySerializer: (body) => body, headers: { 'Content-Type': 'text/csv' },
});
check(broken.error?.code === 'dataset_rejected' && broken.response.status === 422, 'a broken file is a 422 problem');

// 4. API keys: a new key has never been used nor revoked; revoking sets the time.
const key = ok(await api.POST('/v1/api-keys', { body: { name: 'ci' } }));
const keys = ok(await api.GET('/v1/api-keys')).data;
const listed = keys.find((item) => item.id === key.id);
check(listed !== undefined && listed.lastUsedAt === null && listed.revokedAt === null, 'a fresh key');
const revoked = ok(await api.DELETE('/v1/api-keys/{id}', { params: { path: { id: key.id } } }));
check(revoked.revokedAt !== null, 'the revoked key says when');

// 5. Fine-tuning, created once whatever the retries.
const idempotencyKey = `walkthrough-${Date.now()}`;
const jobRequest: Schemas['CreateFineTuningJobRequest'] = {
  baseModel: 'all-minilm-l6-v2', dataset: raw.id, method: 'head', name: 'Reviews', hyperparameters: { seed: 7 },
};
const first = await api.POST('/v1/fine-tuning/jobs', { body: jobRequest, params: { header: { 'Idempotency-Key': idempotencyKey } } });
const retry = await api.POST('/v1/fine-tuning/jobs', { body: jobRequest, params: { header: { 'Idempotency-Key': idempotencyKey } } });
check(first.response.status === 201 && retry.response.status === 200, 'the retry answers 200');
const queued = ok(first);
check(ok(retry).id === queued.id, 'the retry answers the same job');
let job = queued;
while (!ended(job.status)) {
  await sleep(500);
  job = ok(await api.GET('/v1/fine-tuning/jobs/{id}', { params: { path: { id: job.id } } }));
}
check(job.status === 'succeeded', `the fine-tuning job succeeded: ${JSON.stringify(job.error)}`);
const modelId = job.modelId;
const result = job.result;
if (modelId === null || result === null) {
  throw new Error('A succeeded job names its model and result');
}
const bestEpoch: number = result.bestEpoch;
// A classifier's figures and an embedding model's are told apart by their members.
const resultValidation = result.validation;
if (!('accuracy' in resultValidation)) {
  throw new Error("A classifier's validation figures have its accuracy");
}
const validationAccuracy: number = resultValidation.accuracy;
check(bestEpoch >= 1 && validationAccuracy >= 0, 'the result has the best epoch and validation metrics');
// Every event, page by page (a head job logs one per epoch, over a hundred here).
const allEvents: Schemas['JobEvent'][] = [];
let eventCursor: string | null = null;
do {
  const page: Schemas['PageJobEvent'] = ok(await api.GET('/v1/fine-tuning/jobs/{id}/events', {
    params: { path: { id: job.id }, query: eventCursor === null ? { limit: 100 } : { limit: 100, after: eventCursor } },
  }));
  allEvents.push(...page.data);
  eventCursor = page.nextCursor;
} while (eventCursor !== null);
const events = { data: allEvents };
check(events.data.some((event) => event.type === 'metrics' && event.data !== null), 'per-epoch metrics events');
// The same events as a server-sent event stream, which ends with the job.
const stream = await api.GET('/v1/fine-tuning/jobs/{id}/events/stream', {
  params: { path: { id: job.id } }, parseAs: 'text',
});
const streamed = ok(stream).split('\n').filter((line) => line.startsWith('data:')).length;
check(streamed === events.data.length, `the stream carries every event (${streamed} of ${events.data.length})`);

// A job cancelled before it starts ends cancelled, with neither error nor result.
const doomed = ok(await api.POST('/v1/fine-tuning/jobs', { body: { ...jobRequest, name: 'Cancelled' } }));
let cancelled = ok(await api.POST('/v1/fine-tuning/jobs/{id}/cancel', { params: { path: { id: doomed.id } } }));
while (!ended(cancelled.status)) {
  await sleep(200);
  cancelled = ok(await api.GET('/v1/fine-tuning/jobs/{id}', { params: { path: { id: doomed.id } } }));
}
check(cancelled.status === 'cancelled' && cancelled.result === null && cancelled.modelId === null, 'a cancelled job');
const jobs = ok(await api.GET('/v1/fine-tuning/jobs')).data;
check(jobs.length === 2 && jobs.every((item) => item.metadata !== null), 'both jobs are listed');

// 6. The model and its original variant, with metrics in one shape.
const model = ok(await api.GET('/v1/models/{id}', { params: { path: { id: modelId } } }));
check(model.recommendedVariantId === null, 'nothing is recommended before compression');
const original = model.variants.find((variant) => variant.kind === 'original');
if (original === undefined) {
  throw new Error('A model has its original variant');
}
const originalCompressionJob: string | null = original.compressionJobId;
check(originalCompressionJob === null && original.metrics.evaluatedOn !== undefined, 'the original variant');
const modelTest = model.metrics.test;
const originalMetrics = original.metrics;
check(model.task === 'classification' && 'accuracy' in originalMetrics && (modelTest === null
  || 'accuracy' in modelTest && modelTest.accuracy === originalMetrics.accuracy), "the original's accuracy is the model's");

// 7. Predictions.
const predictions = ok(await api.POST('/v1/models/{id}/predictions', {
  params: { path: { id: modelId } },
  body: { inputs: ['What a wonderful, moving film.', 'Dull and far too long.'], topK: 2 },
}));
const top = predictions.data.map((prediction) => prediction.labels?.[0]?.label ?? prediction.label);
check(predictions.data.length === 2 && top.every((label) => model.labels.includes(label)), 'two predictions');

// 7a. A webhook endpoint on a receiver of our own (the server runs with non-public targets allowed),
// told when a batch succeeds; its deliveries are verified by the Standard Webhooks reference library.
const received: { headers: Record<string, string>; body: string }[] = [];
const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') {
        headers[name] = value;
      }
    }
    received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const listening = receiver.address();
const receiverPort = typeof listening === 'object' && listening !== null ? listening.port : 0;
const endpoint = ok(await api.POST('/v1/webhook-endpoints', {
  body: { url: `http://127.0.0.1:${receiverPort}/bonsai`, events: ['batch.succeeded'], description: 'walkthrough' },
}));
check(endpoint.secret.startsWith('whsec_') && endpoint.enabled, 'an endpoint with its secret shown once');
const eventTypes = ok(await api.GET('/v1/webhook-endpoints/event-types')).data;
check(eventTypes.includes('fine_tuning.job.succeeded') && eventTypes.includes('batch.cancelled'), 'the event types');

// 7b. A batch: a raw CSV body of texts with ids, its output as JSONL (the predictions' answers) and CSV.
const batchTexts = ['What a wonderful, moving film.', 'Dull and far too long.', 'I would see it again.'];
const batchCsv = 'ref,text\n' + batchTexts.map((text, i) => `r${i},"${text}"`).join('\n') + '\n';
let batch = ok(await api.POST('/v1/batches', {
  params: { query: { model: modelId, idColumn: 'ref' } },
  body: batchCsv,
  bodySerializer: (body) => body,
  headers: { 'Content-Type': 'text/csv' },
}));
check(batch.rows === 3 && batch.result === null, 'a queued batch counts its rows');
while (!ended(batch.status)) {
  await sleep(300);
  batch = ok(await api.GET('/v1/batches/{id}', { params: { path: { id: batch.id } } }));
}
check(batch.status === 'succeeded' && batch.rowsDone === 3, `the batch succeeded: ${JSON.stringify(batch.error)}`);
for (let waited = 0; received.length === 0 && waited < 100; waited++) {
  await sleep(100);
}
receiver.close();
const delivery = received[0];
if (delivery === undefined) {
  throw new Error('The batch.succeeded webhook did not arrive');
}
/** What a verified webhook says: its type, and the id and status of the job it is about. */
function announcement(payload: unknown): { type: string; id: string; status: string } {
  if (typeof payload === 'object' && payload !== null && 'type' in payload && typeof payload.type === 'string'
    && 'data' in payload && typeof payload.data === 'object' && payload.data !== null && 'id' in payload.data
    && 'status' in payload.data && typeof payload.data.id === 'string' && typeof payload.data.status === 'string') {
    return { type: payload.type, id: payload.data.id, status: payload.data.status };
  }
  throw new Error(`Not a job's webhook: ${JSON.stringify(payload)}`);
}
const announced = announcement(new Webhook(endpoint.secret).verify(delivery.body, delivery.headers));
check(announced.type === 'batch.succeeded' && announced.id === batch.id && announced.status === 'succeeded',
  `the webhook announces the batch: ${delivery.body.slice(0, 200)}`);
let forged = false;
try {
  new Webhook(endpoint.secret).verify(delivery.body.replace('succeeded', 'failed'), delivery.headers);
} catch {
  forged = true;
}
check(forged, 'a changed body does not verify');
let logged = ok(await api.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id: endpoint.id } } })).data;
for (let waited = 0; logged[0]?.status === 'pending' && waited < 50; waited++) {
  await sleep(100);
  logged = ok(await api.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id: endpoint.id } } })).data;
}
check(logged.length === 1 && logged[0]?.status === 'delivered' && logged[0].responseStatus === 204
  && logged[0].eventId === delivery.headers['webhook-id'], 'the delivery log has the one delivery');
const batchPath = { path: { id: batch.id } };
const jsonl = ok(await api.GET('/v1/batches/{id}/output', { params: batchPath, parseAs: 'text' }));
const synchronous = ok(await api.POST('/v1/models/{id}/predictions', {
  params: { path: { id: modelId } }, body: { inputs: batchTexts },
})).data;
/** One output line, read as the README describes it (the output is a file, not a typed answer). */
function batchLine(line: string): { id: string; label: string; score: number } {
  const value: unknown = JSON.parse(line);
  if (typeof value === 'object' && value !== null && 'id' in value && 'label' in value && 'score' in value
    && typeof value.id === 'string' && typeof value.label === 'string' && typeof value.score === 'number') {
    return { id: value.id, label: value.label, score: value.score };
  }
  throw new Error(`Not a batch output line: ${line}`);
}
const batchLines = jsonl.trim().split('\n').map(batchLine);
check(batchLines.length === 3 && batchLines.every((line, i) => line.id === `r${i}` && line.label === synchronous[i]?.label
  && line.score === synchronous[i]?.score), 'each batch row is the predictions API\'s answer');
const batchCsvOut = ok(await api.GET('/v1/batches/{id}/output', {
  params: { ...batchPath, query: { format: 'csv' } }, parseAs: 'text',
}));
check(batchCsvOut.startsWith('id,label,score,'), 'the CSV output has its header');
const batchRange = await api.GET('/v1/batches/{id}/output', {
  params: { ...batchPath, header: { Range: 'bytes=0-9' } }, parseAs: 'text',
});
check(batchRange.response.status === 206 && ok(batchRange) === jsonl.slice(0, 10), 'a range of the output');
// A reconnecting stream names the last event it has and gets only what came after it.
const batchEvents = ok(await api.GET('/v1/batches/{id}/events', { params: batchPath })).data;
const secondLast = batchEvents[batchEvents.length - 2];
if (secondLast === undefined) {
  throw new Error('A finished batch has several events');
}
const resumedStream = ok(await api.GET('/v1/batches/{id}/events/stream', {
  params: { ...batchPath, header: { 'Last-Event-ID': String(secondLast.id) } }, parseAs: 'text',
})).split('\n').filter((line) => line.startsWith('data:'));
check(resumedStream.length === 1, `after Last-Event-ID only the last event (${resumedStream.length})`);

// 8. Compression ("auto" is a string the types accept; one recipe is tried here).
const auto: Schemas['CreateCompressionJobRequest']['techniques'] = 'auto';
check(auto === 'auto', 'techniques may be "auto"');
let compression = ok(await api.POST('/v1/compression/jobs', {
  body: { model: modelId, device: 'raspberry-pi-4', techniques: ['int8-dynamic'], maxAccuracyDrop: 1 },
}));
while (!ended(compression.status)) {
  await sleep(1000);
  compression = ok(await api.GET('/v1/compression/jobs/{id}', { params: { path: { id: compression.id } } }));
}
check(compression.status === 'succeeded', `the compression job succeeded: ${JSON.stringify(compression.error)}`);
const matrix = compression.result;
if (matrix === null) {
  throw new Error('A succeeded compression job has its result');
}
const compressed = matrix.variants.find((variant) => variant.recipe === 'int8-dynamic');
check(compressed !== undefined && compressed.hostLatency.batch1.p50Millis > 0, 'the variant was measured');
const compressionEvents = ok(await api.GET('/v1/compression/jobs/{id}/events', { params: { path: { id: compression.id } } }));
check(compressionEvents.data.length > 0, 'compression events');
const variants = ok(await api.GET('/v1/models/{id}/variants', { params: { path: { id: modelId } } })).data;
const int8 = variants.find((variant) => variant.kind === 'compressed');
if (int8 === undefined) {
  throw new Error('The compressed variant is listed');
}
const int8Metrics = int8.metrics;
if (!('accuracy' in int8Metrics)) {
  throw new Error("A classifier's variant has its accuracy");
}
const int8Accuracy: number = int8Metrics.accuracy;
check(int8.compressionJobId === compression.id && int8Accuracy >= 0, 'the compressed variant names its job');

// 9. Downloads: the graph with its ETag, 304 when unchanged, a byte range, the bundle.
const variantPath = { path: { id: modelId, variantId: int8.id } };
const graph = await api.GET('/v1/models/{id}/variants/{variantId}/content', { params: variantPath, parseAs: 'arrayBuffer' });
const bytes = ok(graph).byteLength;
const etag = graph.response.headers.get('etag');
check(bytes === int8Metrics.modelBytes, `the graph downloads (${bytes} bytes)`);
if (etag === null) {
  throw new Error('A download has an ETag');
}
const unchanged = await api.GET('/v1/models/{id}/variants/{variantId}/content', {
  params: { ...variantPath, header: { 'If-None-Match': etag } }, parseAs: 'stream',
});
check(unchanged.response.status === 304, 'If-None-Match answers 304');
const range = await api.GET('/v1/models/{id}/variants/{variantId}/content', {
  params: { ...variantPath, header: { Range: 'bytes=0-15' } }, parseAs: 'arrayBuffer',
});
check(range.response.status === 206 && ok(range).byteLength === 16, 'a byte range');
const bundle = await api.GET('/v1/models/{id}/variants/{variantId}/content', {
  params: { ...variantPath, query: { format: 'bundle' } }, parseAs: 'blob',
});
const zip = new Uint8Array(await ok(bundle).arrayBuffer());
const zipType = bundle.response.headers.get('content-type');
check(zip[0] === 0x50 && zip[1] === 0x4b && zipType === 'application/zip', `the bundle is a zip (${zipType})`);

// 9a. An embedding model: a pair dataset, contrastive fine-tuning, and vectors shaped as OpenAI's.
const pairCsv = 'anchor,positive\n' + [
  ['what do koalas eat', 'Koalas feed almost only on eucalyptus leaves.'],
  ['why is the sky blue', 'Air scatters short wavelengths of sunlight more than long ones.'],
  ['who painted the mona lisa', 'Leonardo da Vinci worked on the portrait in Florence.'],
  ['how far away is the moon', 'It orbits roughly 384,000 kilometres from Earth.'],
  ['what makes bread rise', 'Yeast ferments sugar and the gas it gives off fills the dough.'],
  ['where do penguins live', 'Most species breed on the coasts of Antarctica.'],
  ['how do bees make honey', 'Workers turn flower nectar into a thick syrup in the hive.'],
  ['what is the largest ocean', 'The Pacific covers about a third of the planet.'],
].map(([question, answer]) => `${question},"${answer}"`).join('\n') + '\n';
const pairs = ok(await api.POST('/v1/datasets', {
  params: { query: { name: 'questions', task: 'embedding' } },
  body: pairCsv, bodySerializer: (body) => body, headers: { 'Content-Type': 'text/csv' },
}));
const pairCounts = pairs.report?.stats?.pairs;
check(pairs.task === 'embedding' && pairs.anchorColumn === 'anchor' && pairCounts !== undefined && pairCounts !== null
  && pairCounts.pairs === 8, 'a pair dataset');
let embeddingJob = ok(await api.POST('/v1/fine-tuning/jobs', {
  body: { baseModel: 'all-minilm-l6-v2', dataset: pairs.id, method: 'partial', hyperparameters: { epochs: 1, batchSize: 4 } },
}));
while (!ended(embeddingJob.status)) {
  await sleep(500);
  embeddingJob = ok(await api.GET('/v1/fine-tuning/jobs/{id}', { params: { path: { id: embeddingJob.id } } }));
}
const embedderId = embeddingJob.modelId;
const retrieval = embeddingJob.result?.validation;
check(embeddingJob.status === 'succeeded' && embeddingJob.task === 'embedding' && embedderId !== null
  && retrieval !== undefined && 'mrrAt10' in retrieval && retrieval.mrrAt10 >= 0, 'an embedding model was trained');
if (embedderId === null) {
  throw new Error('A succeeded job names its model');
}
const vectors = ok(await api.POST('/v1/models/{id}/embeddings', {
  params: { path: { id: embedderId } }, body: { input: ['where do penguins breed', 'what do koalas eat'] },
}));
const firstVector = vectors.data[0]?.embedding;
check(vectors.object === 'list' && vectors.data.length === 2 && Array.isArray(firstVector) && firstVector.length === 384
  && vectors.usage.total_tokens > 0, 'the embeddings answer as OpenAI\'s does');
const asBase64 = ok(await api.POST('/v1/models/{id}/embeddings', {
  params: { path: { id: embedderId } }, body: { input: 'what do koalas eat', encoding_format: 'base64' },
}));
const encoded = asBase64.data[0]?.embedding;
const secondVector = vectors.data[1]?.embedding;
if (typeof encoded !== 'string' || !Array.isArray(secondVector)) {
  throw new Error('base64 answers a string, float a list');
}
const decoded = new Float32Array(new Uint8Array(Buffer.from(encoded, 'base64')).buffer);
check(decoded.length === 384 && decoded.every((value, d) => Math.abs(value - (secondVector[d] ?? NaN)) < 1e-6),
  'base64 carries the same float32 values');
const notAClassifier = await api.POST('/v1/models/{id}/predictions', {
  params: { path: { id: embedderId } }, body: { inputs: ['a'] },
});
check(notAClassifier.error?.status === 409, 'an embedding model has no labels to predict');

// 10. Errors are problems, typed.
const missing = await api.GET('/v1/models/{id}', { params: { path: { id: 'mdl_nothere' } } });
check(missing.error?.code === 'not_found' && missing.error.status === 404, 'a missing model is a 404 problem');
const foreign = await admin.GET('/v1/models/{id}', { params: { path: { id: modelId } } });
check(foreign.error?.status === 403, 'the admin key cannot read tenant resources');

console.log(JSON.stringify({ answersChecked: [...spec.seen].sort(), failures: spec.failures }, null, 1));
process.exit(spec.failures.length === 0 ? 0 : 1);
