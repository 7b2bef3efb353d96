// Fails when a file imports against the architecture's arrows (STYLE.md):
//   apps → packages → core; each vendor SDK only in its owner package.
// Usage: node scripts/check-arrows.ts [root]   (exit 1 and one line per violation)
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Which workspace packages each unit may import. `*` = any. */
export const ALLOWED_INTERNAL: Readonly<Record<string, readonly string[]>> = {
  "packages/core": [],
  "packages/config": ["@qs/core"],
  "packages/redis": ["@qs/core"],
  "packages/kube": ["@qs/core"],
  "packages/git": ["@qs/core"],
  "packages/builder": ["@qs/core"],
  "packages/commands": ["@qs/core"],
  // SSH and HTTP are the two faces of the command layer (DESIGN.md "Operate").
  "packages/ssh": ["@qs/core", "@qs/commands"],
  "packages/web": ["@qs/core", "@qs/commands"],
  "apps/server": ["*"],
};

/** Vendor SDKs and the one unit allowed to import each (tests may use them freely). */
export const SDK_OWNERS: Readonly<Record<string, string>> = {
  "@kubernetes/client-node": "packages/kube",
  bullmq: "packages/builder",
  ioredis: "packages/redis",
  ssh2: "packages/ssh",
  hono: "packages/web",
  "@hono/node-server": "packages/web",
  pino: "packages/config",
  "pino-pretty": "packages/config",
  otplib: "packages/commands",
};

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** Lists the violations under `root` as human-readable lines. */
export async function findViolations(root: string): Promise<string[]> {
  const problems: string[] = [];
  for (const unit of Object.keys(ALLOWED_INTERNAL)) {
    const files = await listSources(join(root, unit, "src")).catch(() => []);
    for (const file of files) {
      if (/\.test\.tsx?$/.test(file)) continue;
      const text = await readFile(file, "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const spec = match[1] ?? match[2] ?? match[3] ?? "";
        const where = relative(root, file);
        const problem = spec.startsWith(".")
          ? checkRelative(join(root, unit), resolve(dirname(file), spec), spec)
          : checkImport(unit, spec);
        if (problem !== undefined) problems.push(`${where}: ${problem}`);
      }
    }
  }
  return problems;
}

/** A relative import must stay inside its own unit (package or app). */
export function checkRelative(unitDir: string, target: string, spec: string): string | undefined {
  return target === unitDir || target.startsWith(unitDir + sep)
    ? undefined
    : `imports "${spec}" across units; import the package by name`;
}

/** Why `unit` may not import the bare specifier `spec`, or undefined when it may. */
export function checkImport(unit: string, spec: string): string | undefined {
  const name = spec.startsWith("@")
    ? spec.split("/").slice(0, 2).join("/")
    : (spec.split("/")[0] ?? spec);
  if (name.startsWith("@qs/")) {
    const allowed = ALLOWED_INTERNAL[unit] ?? [];
    if (unit.startsWith("packages/") && name === `@qs/${unit.slice("packages/".length)}`) {
      return `imports itself as "${name}"`;
    }
    if (allowed.includes("*") || allowed.includes(name)) return undefined;
    return `imports "${name}" against the arrows (apps → packages → core); pass it in from apps/server instead`;
  }
  const owner = SDK_OWNERS[name];
  if (owner !== undefined && owner !== unit) {
    return `imports the vendor SDK "${name}", which only ${owner} may import`;
  }
  return undefined;
}

async function listSources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listSources(path)));
    else if (/\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

if (import.meta.main) {
  const root = process.argv[2] ?? process.cwd();
  const problems = await findViolations(root);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`${problems.length} import(s) against the architecture`);
    process.exit(1);
  }
  console.log("imports follow the arrows");
}
