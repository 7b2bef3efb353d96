import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../e2e/deploy/harness.ts";
import { FLASK_WHEELS, goModules, startDependencyServer, wheelhouse, type DependencyServer } from "./builders/served-dependencies.ts";
import { startPushPlane, type PushPlane } from "./push-harness.ts";
import { repoRoot } from "./src/layout.ts";

// `git push` of the stacks without a Dockerfile other than Node (push.cluster.test.ts),
// through the whole control plane on the real cluster: a Go module with a dependency, a
// Python app (requirements.txt, Flask under gunicorn) and a static site. Each push builds
// in a real Kaniko pod, releases, and the app answers HTTP through its Service with the
// expected body. The three run side by side, each its own app and repository.
//
// Dependencies come from the node address (served-dependencies.ts). The Go module's
// through the product's own build mirror: the control plane runs with QS_BUILD_GOPROXY
// set to the Go module proxy served there. The Python app's wheels through pip's own
// requirements-file options; it states Python 3.13 (the image made here), as in the
// variants suite.

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const prefix = `stk${randomUUID().slice(0, 4)}-`;
const fixture = (name: string): string => join(repoRoot, "test/fixtures/stacks", name);
let p: PushPlane;
let deps: DependencyServer;
const seconds: Record<string, number> = {};
/** The go-modules fixture's one dependency (its go.mod and go.sum). */
const GO_UUID = "github.com/google/uuid@v1.6.0";

beforeAll(async () => {
  deps = await startDependencyServer({ wheels: wheelhouse(FLASK_WHEELS, "3.13"), go: goModules([GO_UUID]) });
  p = await startPushPlane(kubeconfig, prefix, { QS_BUILD_GOPROXY: deps.mirrors.goProxy ?? "" });
}, 900_000);
afterAll(async () => {
  console.log(Object.entries(seconds).map(([k, s]) => `  git push → HTTP 200, ${k.padEnd(8)} ${s.toFixed(1)} s`).join("\n"));
  await p?.close();
  await deps?.close();
});

/**
 * Creates `name`, pushes `dir` (plus `files`), and waits for the app to answer `body` at /;
 * resolves with the app's name and the push's output.
 */
async function pushAndServe(name: string, dir: string, body: string, files: Record<string, string> = {}): Promise<{ app: string; output: string }> {
  const app = `${prefix}${name}`;
  const created = await p.ssh(`apps:create ${app}`);
  expect(`${created.code} ${created.stderr}`).toMatch(/^0 /);
  const repo = await p.repo(app);
  await repo.commit(files, dir);
  const t0 = Date.now();
  const pushed = await repo.push();
  expect(pushed.output).toMatch(/=====> Released v1/);
  expect(pushed.ok).toBe(true);
  const answer = await eventually(async () => ((await p.httpThroughService(app)).body === body ? "ok" : undefined), `${name} answering`, 90_000);
  seconds[name] = (Date.now() - t0) / 1000;
  expect(answer).toBe("ok");
  const destroy = async (): Promise<void> => {
    await p.ssh(`apps:destroy ${app} --confirm ${app}`);
  };
  onDone.push(destroy);
  return { app, output: pushed.output };
}
const onDone: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.allSettled(onDone.map((d) => d()));
});

describe.concurrent("git push of each stack on the real cluster", () => {
  it("a Go module with a dependency from the build mirror (QS_BUILD_GOPROXY): built by Kaniko, released, answers HTTP", async () => {
    // uuid.NewSHA1(NameSpaceURL, "https://quickstack.dev/"): the dependency's own code ran.
    const { output } = await pushAndServe("go", fixture("go-modules"), "go modules 63797f57-a89f-5ab9-9da4-59e247934bad\n");
    expect(output).toContain("package mirrors: QS_BUILD_GOPROXY");
    // The builder pod asked the mirror for the module, checked against the fixture's go.sum.
    expect(deps.goRequests).toContain("/go/github.com/google/uuid/@v/v1.6.0.zip");
  }, 600_000);

  it("a Python app (requirements.txt): built by Kaniko, released, gunicorn answers HTTP", async () => {
    const requirements = readFileSync(join(fixture("python-pip"), "requirements.txt"), "utf8");
    await pushAndServe("python", fixture("python-pip"), "hello\n", {
      "requirements.txt": `${deps.pipOptions}${requirements}`,
      ".python-version": "3.13\n",
    });
  }, 600_000);

  it("a static site: released, serves its pages and none of the repository's other files", async () => {
    const index = readFileSync(join(fixture("static-dotfile"), "index.html"), "utf8");
    const { app } = await pushAndServe("static", fixture("static-dotfile"), index);
    expect((await p.httpThroughService(app, "/assets/site.css")).status).toBe(200);
    for (const path of ["/.env", "/.private/key.txt", "/build.sh", "/README.md"]) {
      expect((await p.httpThroughService(app, path)).status, path).toBe(404);
    }
  }, 600_000);
});
