// The local real cluster (test/cluster): how long its first build took on this machine
// (each component's cold build, recorded by build.sh), and how long a warm start takes
// (binaries, certificates and images in place; target ≤ 60 s). Reports figures only.
// Needs root and a built cluster; says so otherwise. A running cluster is stopped first
// and left running afterwards, as it was.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { down, up } from "../../test/cluster/src/cluster.ts";
import { daemonPid } from "../../test/cluster/src/daemons.ts";
import { clusterPaths, toolDirs } from "../../test/cluster/src/layout.ts";

const dirs = toolDirs(true);
let total = 0;
const rows: string[] = [];
for (const [name, dir] of Object.entries(dirs)) {
  // pause is compiled with the kubernetes component (its folder sits inside that one's).
  if (name === "pause") continue;
  const file = join(dirname(dir), ".build-seconds");
  if (!existsSync(file)) continue;
  const seconds = Number(readFileSync(file, "utf8").trim());
  total += seconds;
  rows.push(`  ${name.padEnd(24)} ${seconds.toString().padStart(5)} s`);
}
console.log("Local cluster, cold build of each component from its Go module (as recorded by test/cluster/build.sh):");
console.log(rows.length === 0 ? "  (not built on this machine yet: npm run cluster -- build)" : rows.join("\n"));
if (rows.length > 0) console.log(`  total                    ${total.toString().padStart(5)} s   (a Go build cache shared between components makes later ones faster)`);

if (process.getuid?.() !== 0 || rows.length === 0) {
  console.log("Warm start: skipped (needs root and a built cluster)");
} else {
  const paths = clusterPaths();
  const wasRunning = daemonPid(paths.pids, "kube-apiserver") !== undefined;
  await down(paths);
  const t0 = Date.now();
  await up(paths);
  const warm = (Date.now() - t0) / 1000;
  console.log(`Warm start (npm run cluster -- up, to a Ready node with DNS and storage): ${warm.toFixed(1)} s   (target ≤ 60 s)`);
  if (!wasRunning) await down(paths);
}
