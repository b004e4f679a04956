// Validates Kubernetes manifests (multi-document YAML files, as `helm template` writes them)
// against the API schemas that kubernetes-models ships, and prints {"checked": n, "failures": n}.
// Each invalid object is printed on a line of its own; the exit status is 1 when any is invalid.
//
//   node validate-manifests.mjs FILE...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let checked = 0;
let failures = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = document.toJS();
    if (!object || !object.kind) {
      continue;
    }
    const slash = object.apiVersion.indexOf("/");
    const group = slash < 0 ? "" : object.apiVersion.slice(0, slash) + "/";
    const version = object.apiVersion.slice(slash + 1);
    const module = await import(`kubernetes-models/${group}${version}/${object.kind}`);
    try {
      new module[object.kind](object).validate();
      checked++;
    } catch (error) {
      failures++;
      console.log(`${file}: ${object.kind}/${object.metadata?.name}: ${error.message}`);
    }
  }
}
console.log(JSON.stringify({ checked, failures }));
process.exit(failures ? 1 : 0);
