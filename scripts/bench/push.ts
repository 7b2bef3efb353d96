// Push benchmark: wall time of `git push` of a generated repo (about 5,000 files, 50 MB of
// incompressible pseudo-random content) to QuickStack over SSH (ssh2 server, access check,
// real git-receive-pack, pre-receive hook round trip, pipeline stubbed to accept) versus
// the floor: OpenSSH's sshd + plain git-receive-pack on loopback. Median of 3 each.
// Both bare repos have receive.fsckObjects on and the client uses the same key exchange
// (curve25519-sha256) for both, so the ratio measures transport and hook.
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "@qs/config";
import { silentLogger, type AccessControl } from "@qs/core";
import { startControlPlane } from "../../apps/server/src/control-plane.ts";
import { startOpenSshd } from "../../test/support/sshd.ts";
import { freePort } from "../../test/support/ports.ts";
import { generateClientKey, gitSshCommand, type ClientKey } from "../../test/support/ssh.ts";
import { tempDir } from "../../test/support/tmp.ts";

const run = promisify(execFile);
const FILES = Number(process.env.BENCH_FILES ?? 5000);
const TOTAL_BYTES = Number(process.env.BENCH_BYTES ?? 50 * 1024 * 1024);
const RUNS = 3;

const tmp = await tempDir("qs-bench-");
try {
  const work = join(tmp.path, "work");
  const key = await generateClientKey(tmp.path, "ed25519", "bench");
  process.stdout.write(`generating ${FILES.toString()} files, ${mib(TOTAL_BYTES)} … `);
  await generateRepo(work, FILES, TOTAL_BYTES);
  process.stdout.write("done\n");

  const quickstack = await timeQuickStack(tmp.path, work, key);
  const floor = await timeOpenSsh(tmp.path, work, key);
  const q = median(quickstack);
  const f = median(floor);
  const fmt = (xs: number[]): string => xs.map((x) => seconds(x)).join(" ");
  console.log(
    `push over SSH, ${FILES.toString()} files / ${mib(TOTAL_BYTES)}, median of ${RUNS.toString()}:`,
  );
  console.log(
    `  QuickStack (ssh2 + hook, pipeline stubbed)  ${seconds(q)}   runs: ${fmt(quickstack)}`,
  );
  console.log(`  OpenSSH sshd + git-receive-pack (floor)     ${seconds(f)}   runs: ${fmt(floor)}`);
  console.log(`  ratio ${(q / f).toFixed(2)} (target ≤ 1.10)`);
} finally {
  await tmp.remove();
}

async function timeQuickStack(dir: string, work: string, key: ClientKey): Promise<number[]> {
  const access: AccessControl = {
    authenticateKey: () => Promise.resolve({ user: "bench", role: "admin" }),
    authenticateToken: () => Promise.resolve(undefined),
    canAccessApp: () => Promise.resolve(true),
  };
  const config = loadConfig({
    QS_DATA_DIR: join(dir, "qs"),
    QS_HTTP_HOST: "127.0.0.1",
    QS_HTTP_PORT: "0",
    QS_SSH_HOST: "127.0.0.1",
    QS_SSH_PORT: "0",
    // Nothing listens there: the push path does not use Redis.
    QS_REDIS_URL: `redis://127.0.0.1:${(await freePort()).toString()}`,
    QS_LOG_LEVEL: "silent",
  });
  const plane = await startControlPlane(config, silentLogger, {
    access,
    appExists: () => Promise.resolve(true),
    pipeline: { run: () => Promise.resolve({ ok: true }) },
  });
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      times.push(
        await timePush(
          work,
          `ssh://git@127.0.0.1:${plane.sshPort.toString()}/bench-${i.toString()}.git`,
          key,
        ),
      );
      await checkReceived(work, join(config.dataDir, "repos", `bench-${i.toString()}.git`));
    }
    return times;
  } finally {
    await plane.close();
  }
}

async function timeOpenSsh(dir: string, work: string, key: ClientKey): Promise<number[]> {
  const sshd = await startOpenSshd(join(dir, "sshd"), key.publicKey);
  const { port, user } = sshd;
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const repo = join(dir, "sshd", `floor-${i.toString()}.git`);
      await run("git", ["init", "--bare", "-q", repo]);
      await run("git", ["--git-dir", repo, "config", "receive.fsckObjects", "true"]);
      times.push(await timePush(work, `ssh://${user}@127.0.0.1:${port.toString()}${repo}`, key));
      await checkReceived(work, repo);
    }
    return times;
  } finally {
    await sshd.stop();
  }
}

async function timePush(work: string, url: string, key: ClientKey): Promise<number> {
  const started = performance.now();
  await run("git", ["push", "-q", url, "main"], {
    cwd: work,
    // Same key exchange on both sides: OpenSSH would otherwise pick the post-quantum
    // sntrup761x25519 (ssh2 does not offer it), which costs ~0.4 s per connection here.
    env: {
      ...process.env,
      GIT_SSH_COMMAND: `${gitSshCommand(key)} -o KexAlgorithms=curve25519-sha256`,
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return performance.now() - started;
}

/** Throws unless the bare repo's main is the work tree's HEAD (the push really landed). */
async function checkReceived(work: string, repo: string): Promise<void> {
  const head = (await run("git", ["rev-parse", "HEAD"], { cwd: work })).stdout.trim();
  const main = (await run("git", ["--git-dir", repo, "rev-parse", "main"])).stdout.trim();
  if (head !== main) throw new Error(`push to ${repo} did not land (${main} ≠ ${head})`);
}

/** Writes `files` files totalling `bytes` of xorshift output (incompressible, same every run). */
async function generateRepo(dir: string, files: number, bytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  let s = 0x9e3779b9;
  const size = Math.floor(bytes / files);
  for (let i = 0; i < files; i++) {
    const buf = Buffer.allocUnsafe(size);
    for (let j = 0; j + 4 <= size; j += 4) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      buf.writeUInt32LE(s >>> 0, j);
    }
    const sub = join(dir, `d${(i % 50).toString()}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${i.toString()}.bin`), buf);
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@example.com",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@example.com",
  };
  await run("git", ["init", "-q", "-b", "main"], { cwd: dir, env });
  await run("git", ["add", "-A"], { cwd: dir, env });
  await run("git", ["commit", "-q", "-m", "bench"], { cwd: dir, env });
  // Pack once, so each push measures sending the pack, not loose-object compression.
  await run("git", ["gc", "-q"], { cwd: dir, env });
}


function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
