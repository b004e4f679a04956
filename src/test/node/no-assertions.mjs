// Fails when a TypeScript file asserts what its types do not say: a non-null assertion (x!) or a
// type assertion (x as T, <T>x; `as const` is allowed). The walkthrough must read only what the
// generated types promise.
//
//   node no-assertions.mjs <file.ts>...
import fs from 'node:fs';
import ts from 'typescript';

const found = [];
for (const file of process.argv.slice(2)) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    const constAssertion = ts.isAsExpression(node) && ts.isTypeReferenceNode(node.type)
      && node.type.typeName.getText(source) === 'const';
    if (ts.isNonNullExpression(node) || ts.isTypeAssertionExpression(node) || (ts.isAsExpression(node) && !constAssertion)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${file}:${line + 1}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (found.length > 0) {
  console.error(`Assertions the types do not make:\n${found.join('\n')}`);
  process.exit(1);
}
console.log(JSON.stringify({ assertions: 0 }));
