import { spawn } from "node:child_process";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshOptions } from "../../support/ssh.ts";
import { makeRepo, must, runGit, startGitHarness, type GitHarness } from "./harness.ts";

// Hostile and broken git requests: each must get an answer the client can show, move no
// ref, and leave the control plane serving (a bad gzip body used to kill the process).

let h: GitHarness;
const APP = "fuzzed";
let refsBefore = "";

beforeAll(async () => {
  h = await startGitHarness();
  h.apps.add(APP);
  const work = join(h.dir, APP);
  await makeRepo(work, { "a.txt": "a" });
  await must(runGit(["push", h.sshUrl(APP), "main"], { cwd: work, key: h.ann }));
  refsBefore = await refsOf();
});
afterAll(async () => {
  await h.close();
});

async function refsOf(): Promise<string> {
  return (await must(runGit(["--git-dir", h.repo(APP), "for-each-ref"]))).stdout;
}

const auth = (): string => `Basic ${Buffer.from(`ann:${h.tokens.ann}`).toString("base64")}`;

/** POSTs `body` to a smart-HTTP rpc endpoint of APP. */
async function post(
  service: "git-upload-pack" | "git-receive-pack",
  body: Buffer,
  gzip = false,
): Promise<{ status: number; text: string; bytes: number }> {
  const res = await fetch(
    `http://127.0.0.1:${h.plane.httpPort.toString()}/git/${APP}.git/${service}`,
    {
      method: "POST",
      body,
      headers: {
        Authorization: auth(),
        "Content-Type": `application/x-${service}-request`,
        ...(gzip ? { "Content-Encoding": "gzip" } : {}),
      },
    },
  );
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: bytes.toString("utf8"), bytes: bytes.length };
}

/** Runs a git service over the real ssh client with `input` as its stdin. */
function sshService(
  service: "git-upload-pack" | "git-receive-pack",
  input: Buffer,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "ssh",
      [...sshOptions(h.plane.sshPort, h.ann), "-T", "git@127.0.0.1", `${service} '/${APP}.git'`],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.stdin.on("error", () => undefined);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(input);
  });
}

/** The server answers a real client over both transports. */
async function stillServing(): Promise<void> {
  const viaSsh = await runGit(["ls-remote", h.sshUrl(APP)], { cwd: h.dir, key: h.ann });
  expect(viaSsh.code, viaSsh.stderr).toBe(0);
  const viaHttp = await runGit(["ls-remote", h.httpUrl(APP)], { cwd: h.dir });
  expect(viaHttp.code, viaHttp.stderr).toBe(0);
}

const pkt = (s: string | Buffer): Buffer => {
  const b = typeof s === "string" ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, "0")), b]);
};
const FLUSH = Buffer.from("0000");
const ZERO = "0".repeat(40);

describe("a gzip body that is not gzip", () => {
  it("over smart HTTP is a 400 saying so, and the server keeps serving", async () => {
    for (const service of ["git-receive-pack", "git-upload-pack"] as const) {
      const r = await post(service, Buffer.from("this is not gzip at all\n"), true);
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/not valid gzip/);
    }
    await stillServing();
    expect(await refsOf()).toBe(refsBefore);
  });
});

describe("malformed pkt-lines", () => {
  it("over smart HTTP get a 400 with git's reason, not an empty 200", async () => {
    const r = await post("git-receive-pack", Buffer.from("zzzz not a pkt-line"));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/protocol error|bad line length/i);
    expect(r.text).not.toContain(h.dir); // no server paths in the answer
    await stillServing();
  });

  it("over SSH end with git's error on stderr, and the server keeps serving", async () => {
    const r = await sshService("git-receive-pack", Buffer.from("zzzz not a pkt-line"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/protocol error|bad line length/i);
    await stillServing();
    expect(await refsOf()).toBe(refsBefore);
  });
});

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  readonly kind: string;
  readonly service: "git-upload-pack" | "git-receive-pack";
  readonly body: Buffer;
  readonly gzip: boolean;
}

/** Deterministic malformed requests: junk, bad pkt-line lengths, truncated packs, bad gzip. */
function cases(seed: number, count: number, head: string): Case[] {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const hex = (n: number): string => Array.from({ length: n }, () => int(16).toString(16)).join("");
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const service = int(2) === 0 ? "git-receive-pack" : "git-upload-pack";
    const command =
      service === "git-receive-pack"
        ? pkt(`${head} ${hex(40)} refs/heads/main\0report-status side-band-64k\n`)
        : pkt(`want ${hex(40)} side-band-64k\n`);
    const pack = Buffer.concat([
      Buffer.from("PACK"),
      Buffer.from([0, 0, 0, 2, 0, 0, 0, 1 + int(5)]),
      bytes(int(64)),
    ]);
    const kinds: [string, () => Buffer][] = [
      ["junk", () => bytes(int(2048))],
      ["bad length", () => Buffer.concat([Buffer.from(hex(2) + "zz"), bytes(int(100))])],
      [
        "short length",
        () => Buffer.concat([Buffer.from(`000${(1 + int(3)).toString()}`), bytes(8)]),
      ],
      ["overlong length", () => Buffer.concat([Buffer.from("ffff"), bytes(int(200))])],
      ["truncated pack", () => Buffer.concat([command, FLUSH, pack])],
      ["command cut", () => command.subarray(0, 4 + int(command.length - 4))],
      ["no flush", () => Buffer.concat([command, command])],
    ];
    const [kind, make] = kinds[int(kinds.length)] ?? kinds[0]!;
    const body = make();
    const gz = int(3);
    if (gz === 0) out.push({ kind, service, body, gzip: false });
    else if (gz === 1) {
      const z = gzipSync(body);
      out.push({
        kind: `${kind}, truncated gzip`,
        service,
        body: z.subarray(0, int(z.length)),
        gzip: true,
      });
    } else {
      out.push({
        kind: `${kind}, gzip header then junk`,
        service,
        body: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), bytes(int(300))]),
        gzip: true,
      });
    }
  }
  return out;
}

describe("fuzzed requests (seed 13)", () => {
  it("at smart HTTP: every answer is git's own or a 4xx with a message", async () => {
    const head = refsBefore.split(" ")[0] ?? ZERO;
    for (const c of cases(13, 60, head)) {
      const r = await post(c.service, c.body, c.gzip);
      const label = `${c.kind} → ${c.service}: ${r.status.toString()} ${r.text.slice(0, 200)}`;
      // A 200 is git's own answer to what it accepted (a lone flush or delim packet gets an
      // empty one, as git's probe of a large push does); whatever git refused is a 4xx.
      if (r.status !== 200) {
        expect(r.status, label).toBeGreaterThanOrEqual(400);
        expect(r.status, label).toBeLessThan(500);
        expect(r.text.trim().length, label).toBeGreaterThan(0);
      }
    }
    await stillServing();
    expect(await refsOf()).toBe(refsBefore);
  });

  it("at SSH: git refuses each one and the server keeps serving", async () => {
    const head = refsBefore.split(" ")[0] ?? ZERO;
    for (const c of cases(1313, 24, head)) {
      const r = await sshService(c.service, c.body);
      // Whatever git said, it said it on the channel; the exec ended.
      expect(r.code, `${c.kind} → ${c.service}`).toBeGreaterThanOrEqual(0);
    }
    await stillServing();
    expect(await refsOf()).toBe(refsBefore);
  });
});
