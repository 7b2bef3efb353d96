import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClientKey, type ClientKey } from "../../test/support/ssh.ts";
import { tempDir } from "../../test/support/tmp.ts";

// `npm run dev` as a developer meets it, run for real (scripts/dev.ts with its own state dir
// and HOME): the printed recipe works as printed, a push deploys, Ctrl-C (SIGINT to the whole
// process group, as a terminal sends it) stops cleanly, a restart keeps the app, its release,
// the user's token and the ports, and --fresh starts clean and says what it removed.

const run = promisify(execFile);
const devScript = join(import.meta.dirname, "..", "dev.ts");
const fixture = join(import.meta.dirname, "..", "..", "test", "fixtures", "stacks", "node-static");

let dir: Awaited<ReturnType<typeof tempDir>>;
let home: string;
let stateDir: string;
let key: ClientKey;

interface Dev {
  child: ChildProcess;
  output: () => string;
}

async function startDev(extra: string[] = []): Promise<Dev> {
  // Its own process group (detached), so the test can send Ctrl-C's SIGINT to all of it.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.KUBECONFIG;
  for (const k of Object.keys(env)) if (k.startsWith("QS_")) delete env[k];
  // --simulated: this suite is about dev mode itself, on the double, even where the local cluster is built.
  const child = spawn(process.execPath, [devScript, "--state-dir", stateDir, "--simulated", ...extra], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toContain("control plane listening");
  return { child, output: () => out };
}

/** Ctrl-C in the terminal: SIGINT to every process of the group. Resolves with the exit code. */
async function ctrlC(dev: Dev): Promise<number | null> {
  const exited = once(dev.child, "exit");
  process.kill(-dev.child.pid!, "SIGINT");
  const [code] = (await exited) as [number | null];
  return code;
}

/** The indented command lines of the printed first-push recipe. */
function recipe(out: string): string[] {
  const start = out.indexOf("First push");
  return out
    .slice(start)
    .split("\n")
    .slice(1)
    .filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith("       ")))
    .map((l) => l.trim());
}

/** ssh through the developer's own ~/.ssh/config (OpenSSH reads the passwd home, so -F). */
async function sshQs(command: string): Promise<string> {
  const { stdout } = await run("ssh", [
    "-F", join(home, ".ssh", "config"), "-i", key.privateKeyPath, "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=no", "-o", `UserKnownHostsFile=${join(home, "known_hosts")}`, "-o", "BatchMode=yes",
    "qs", command,
  ]);
  return stdout;
}

const bash = (line: string): Promise<{ stdout: string }> => run("bash", ["-euo", "pipefail", "-c", line], { env: { ...process.env, HOME: home } });

beforeAll(async () => {
  dir = await tempDir("qs-devmode-");
  home = join(dir.path, "home");
  stateDir = join(dir.path, "state");
  mkdirSync(join(home, ".ssh"), { recursive: true });
  key = await generateClientKey(join(home, ".ssh"), "ed25519", "id_ed25519");
});
afterAll(async () => {
  await dir.remove();
});

describe("npm run dev", () => {
  it("recipe, push, Ctrl-C, restart with everything kept, --fresh", async () => {
    // An earlier, stale Host qs block: the recipe must replace it, not add a second one.
    await bash("printf 'Host other\\n  Port 1\\nHost qs\\n  HostName localhost\\n  Port 1\\n' > ~/.ssh/config");
    const first = await startDev();
    const lines = recipe(first.output());
    const remote = lines.find((l) => l.startsWith("git remote add qs "))?.slice("git remote add qs ".length);
    for (const line of lines.filter((l) => !l.startsWith("ssh ") && !l.startsWith("git "))) await bash(line);
    const config = readFileSync(join(home, ".ssh", "config"), "utf8");
    expect(config.match(/^Host qs$/gm)).toHaveLength(1);
    expect(config).toContain("Host other\n  Port 1\n");

    const created = await sshQs("apps:create shop");
    // The same host form and scheme everywhere: the recipe's remote is the one apps:create prints.
    expect(created).toContain(`git remote add qs ${remote}`);
    expect(created).toContain("url: http://shop.apps.localhost");
    const work = join(dir.path, "shop");
    cpSync(fixture, work, { recursive: true });
    const git = (...args: string[]) => run("git", args, { cwd: work, env: { ...process.env, HOME: home, GIT_SSH_COMMAND: `ssh -F ${join(home, ".ssh", "config")} -i ${key.privateKeyPath} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=${join(home, "known_hosts")}` } });
    await git("init", "-q", "-b", "main");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "empty");
    await git("add", ".");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "app");
    await git("remote", "add", "qs", remote!);
    const pushed = await git("push", "qs", "main");
    expect(pushed.stderr).toContain("Released v1");
    expect(pushed.stderr).toContain("http://shop.apps.localhost/");
    expect(pushed.stderr).not.toContain("https://");
    expect(await sshQs("tokens:create laptop")).toMatch(/laptop/);

    // A log stream left open in another terminal keeps the control plane closing for a while.
    const follower = spawn("ssh", ["-F", join(home, ".ssh", "config"), "-i", key.privateKeyPath, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", `UserKnownHostsFile=${join(home, "known_hosts")}`, "-o", "BatchMode=yes", "qs", "apps:logs shop -f"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ctrlC(first)).toBe(0);
    follower.kill();
    // A clean stop: the control plane closed before Redis went, and no colour codes in a log file.
    expect(first.output()).not.toMatch(/connection lost/i);
    expect(first.output()).not.toContain("\u001b[");

    const second = await startDev();
    expect(second.output()).toContain("~/.ssh/config already has Host qs");
    expect(recipe(second.output())).toContain(`git remote add qs ${remote}`);
    const info = await sshQs("apps:info shop");
    expect(info).toContain("http://shop.apps.localhost");
    expect(await sshQs("apps:releases shop")).toContain("v1");
    expect(await sshQs("tokens:list")).toContain("laptop");
    expect(await git("push", "qs", "main")).toBeDefined(); // the remote still answers
    expect(await ctrlC(second)).toBe(0);

    const fresh = await startDev(["--fresh"]);
    expect(fresh.output()).toContain("--fresh removed:");
    expect(fresh.output()).toContain("apps, releases, users, tokens and config");
    expect(fresh.output()).toContain("git repositories");
    expect(await sshQs("apps:list")).not.toContain("shop");
    expect(await ctrlC(fresh)).toBe(0);
  }, 240_000);
});
