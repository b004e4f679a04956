// Checks each answer of the server against the committed openapi.yaml with Ajv (JSON Schema 2020-12,
// which OpenAPI 3.1 schemas are): the status code must be declared for the operation, its media
// type too, and a JSON body must match the declared schema. Objects are checked strictly: a member
// the document does not declare fails, as a missing required member or a null where none is
// allowed does. Problem details stay open (RFC 9457 allows extension members).
import fs from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/** Closes every object schema that declares properties and says nothing about others. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
  } else if (node !== null && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (schema.properties !== undefined && schema.additionalProperties === undefined && schema.type === 'object') {
      schema.additionalProperties = false;
    }
    Object.values(schema).forEach(closeObjects);
  }
}

const pointer = (...parts: string[]) => parts.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

export function contract(specPath: string) {
  const document = YAML.parse(fs.readFileSync(specPath, 'utf8')) as {
    $id?: string; components: unknown; paths: Record<string, Record<string, Operation | undefined>>;
  };
  closeObjects(document.components);
  closeObjects(document.paths);
  document.$id = 'openapi';
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const format of ['int32', 'int64', 'float', 'double', 'binary']) {
    ajv.addFormat(format, true);
  }
  ajv.addSchema(document);
  const validators = new Map<string, ValidateFunction>();
  const failures: string[] = [];
  const seen = new Set<string>();

  /** Checks one answer; a failure is kept (and thrown) with the operation, status and Ajv's errors. */
  async function check(method: string, schemaPath: string, response: Response): Promise<void> {
    const operation = document.paths[schemaPath]?.[method.toLowerCase()];
    const where = `${method} ${schemaPath} → ${response.status}`;
    if (!operation) {
      failures.push(`${where}: the operation is not in openapi.yaml`);
      return;
    }
    const status = String(response.status);
    const code = operation.responses[status] ? status : 'default';
    const declared = operation.responses[code];
    if (!declared || (code === 'default' && response.status < 400)) {
      failures.push(`${where}: status ${status} is not declared`);
      return;
    }
    seen.add(`${method.toUpperCase()} ${schemaPath} ${code}`);
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!declared.content) {
      if (mediaType && response.status !== 304) {
        const body = await response.clone().text();
        if (body.length > 0) {
          failures.push(`${where}: a body (${mediaType}) where none is declared`);
        }
      }
      return;
    }
    const media = declared.content[mediaType];
    if (!media) {
      failures.push(`${where}: media type ${mediaType} is not declared (${Object.keys(declared.content).join(', ')})`);
      return;
    }
    if (!mediaType.endsWith('json') || !media.schema) {
      return;
    }
    const key = pointer('paths', schemaPath, method.toLowerCase(), 'responses', code, 'content', mediaType, 'schema');
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi#/${key}` });
      validators.set(key, validate);
    }
    const body: unknown = await response.clone().json();
    if (!validate(body)) {
      failures.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })} in ${JSON.stringify(body).slice(0, 400)}`);
    }
  }

  return { check, failures, seen };
}
