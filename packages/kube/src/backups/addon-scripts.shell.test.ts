import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/support/tmp.ts";
import { dumpScript, verifyScript } from "./addon-dumps.ts";

// The add-on scripts' own logic, run by sh with stand-in database tools on PATH: the row
// counts read from a pg_dump, and a drill that fails when a loaded table lacks rows. (The
// real tools run in backups.cluster.test.ts.) Absolute paths the scripts use in a pod
// (/dump, /restore, /tmp, /dev/termination-log) are moved under a temporary folder.

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir("qs-addon-scripts-");
  mkdirSync(join(dir.path, "bin"));
  mkdirSync(join(dir.path, "tmp"));
});
afterEach(async () => {
  await dir.remove();
});

function tool(name: string, body: string): void {
  const path = join(dir.path, "bin", name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** Runs `script` with its pod paths moved under the temporary folder; returns status and termination message. */
function run(script: string, env: Record<string, string> = {}): { status: number | null; message: string; stderr: string } {
  const d = dir.path;
  const moved = script.replace(/(?<![\w.])\/(dump|restore|scratch|tmp\/|dev\/termination-log)/g, (m) =>
    m === "/tmp/" ? `${d}/tmp/` : m === "/dev/termination-log" ? `${d}/termination-log` : `${d}${m}`,
  );
  writeFileSync(join(d, "termination-log"), "");
  const r = spawnSync("sh", ["-c", moved], { env: { PATH: `${d}/bin:${process.env.PATH ?? ""}`, QS_ADDON: "db", QS_ADDON_HOST: "addon-db.qs-app-shop.svc", ...env }, encoding: "utf8" });
  return { status: r.status, message: readFileSync(join(d, "termination-log"), "utf8"), stderr: r.stderr };
}

// What pg_dump writes for three tables; a value with a newline is escaped (\n) in COPY text.
const PG_DUMP = [
  "SET statement_timeout = 0;",
  "CREATE TABLE public.items (id integer, note text);",
  "COPY public.items (id, note) FROM stdin;",
  "1\tfirst",
  "2\ttwo\\nlines",
  "3\t\\N",
  "\\.",
  "COPY public.empty (id) FROM stdin;",
  "\\.",
  'COPY public."Odd Name" (v) FROM stdin;',
  "x",
  "\\.",
  "",
].join("\n");

describe("postgres dump and drill scripts", () => {
  it("count each table's rows from the dump itself", () => {
    tool("psql", 'echo appdb');
    tool("pg_dump", 'while [ $# -gt 0 ]; do [ "$1" = -f ] && out=$2; shift; done; cat > "$out" <<\'EOF\'\n' + PG_DUMP + "EOF");
    const r = run(dumpScript("postgres"), { POSTGRES_PASSWORD: "pw" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir.path, "dump/db/appdb.counts"), "utf8")).toBe('public.items\t3\npublic.empty\t0\npublic."Odd Name"\t1\n');
  });

  it("a drill passes when every table has its rows and fails naming the table that lacks some", () => {
    const restored = join(dir.path, "restore/dump/db");
    mkdirSync(restored, { recursive: true });
    writeFileSync(join(restored, "appdb.sql"), PG_DUMP);
    writeFileSync(join(restored, "appdb.counts"), 'public.items\t3\npublic.empty\t0\npublic."Odd Name"\t1\n');
    writeFileSync(join(dir.path, "restore/.qs-report"), '{"files":2}\n');
    tool("initdb", "exit 0");
    tool("pg_ctl", "exit 0");
    // The scratch server: loads anything, answers count(*) from ITEMS for public.items.
    tool("psql", 'for a; do case "$a" in *"count(*) FROM public.items"*) echo "${ITEMS:-3}"; exit 0 ;; *"count(*) FROM public.empty"*) echo 0; exit 0 ;; *"count(*) FROM public.\\"Odd Name\\""*) echo 1; exit 0 ;; esac; done; cat >/dev/null 2>&1 || true');
    const ok = run(verifyScript("postgres", "/restore"));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.message).toBe('{"files":2}\n{"addon":"db","kind":"postgres","tables":3,"rows":4}\n');

    writeFileSync(join(dir.path, "restore/.qs-report"), '{"files":2}\n');
    const short = run(verifyScript("postgres", "/restore"), { ITEMS: "2" });
    expect(short.status).toBe(1);
    expect(short.message).toBe("db: row counts differ:\npublic.items has 2 rows, 3 at backup time\n");
  });
});
