// Regenerates deploy/crds/ from the TypeScript source: `node packages/kube/src/crds/write-crds.ts`.
import { writeFileSync } from "node:fs";
import { crdFiles } from "./yaml.ts";

const dir = new URL("../../../../deploy/crds/", import.meta.url);
for (const [file, text] of crdFiles()) writeFileSync(new URL(file, dir), text);
console.log(`wrote ${[...crdFiles().keys()].join(", ")} to ${dir.pathname}`);
