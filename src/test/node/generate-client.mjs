// Generates the TypeScript types of the API from openapi.yaml with openapi-typescript, as its
// documentation says: `format: binary` (uploads and downloads) types as Blob.
//
//   node generate-client.mjs <openapi.yaml> <out.d.ts>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

const [spec, out] = process.argv.slice(2);
const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
const ast = await openapiTS(pathToFileURL(path.resolve(spec)), {
  transform(schemaObject) {
    return schemaObject.format === 'binary' ? BLOB : undefined;
  },
});
fs.writeFileSync(out, astToString(ast));
