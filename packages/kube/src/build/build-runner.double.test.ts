import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBuildkitJob, buildKanikoJob, DEFAULT_BUILDER_IMAGES } from "@qs/builder";
import { CancelledError, type BuildLogLine } from "@qs/core";
import type { KubeDouble } from "../../../../test/kube-double/src/index.ts";
import type { KubeApis } from "../apis.ts";
import { createBuildRunner } from "./build-runner.ts";
import { createBuildsNamespace } from "../../../../test/support/quickstack-cluster.ts";
import { startDoubleWithApis } from "../../../../test/support/double-apis.ts";

const DIGEST = `sha256:${"d".repeat(64)}`;
const bare = (image: string): string => image.replace(/:[^:/]+$/, "");

let double: KubeDouble;
let apis: KubeApis;
let closeDouble: () => Promise<void>;

beforeAll(async () => {
  ({ double, apis, close: closeDouble } = await startDoubleWithApis());
});
afterAll(async () => {
  await closeDouble();
});

/** A fresh namespace with the registry push Secret the builder Job mounts. */
function namespace(): Promise<string> {
  return createBuildsNamespace(apis, `qs-builds-${randomUUID().slice(0, 8)}`);
}

function request(ns: string, app: string, image: string) {
  return buildKanikoJob(
    {
      app,
      buildId: `b${randomUUID().slice(0, 6)}`,
      gitSha: "0123456789abcdef0123456789abcdef01234567",
      destination: `registry.test:5000/${app}:0123456789ab`,
      cacheRepo: `registry.test:5000/${app}/cache`,
      context: { url: "http://qs.qs-system.svc:8081/contexts/x?token=t", sha256: "c".repeat(64) },
      dockerfile: { path: "Dockerfile" },
    },
    { namespace: ns, images: { kaniko: image } },
  );
}

describe("BuildRunner against the Kubernetes API double", () => {
  it("creates a schema-valid Job, streams init then builder logs in order, reads the digest", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(bare(DEFAULT_BUILDER_IMAGES.fetch), {
      logs: ["-----> Fetching the build context", "       context verified"],
      exitAfterMs: 30,
    });
    double.script(bare(image), {
      logs: [
        "INFO Retrieving image manifest",
        { line: "INFO Step 1/2", afterMs: 30 },
        { line: "INFO Pushed image", afterMs: 30 },
      ],
      exitAfterMs: 150,
      terminationMessage: DIGEST,
    });
    const req = request(ns, "shop", image);
    const lines: BuildLogLine[] = [];
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      (l) => lines.push(l),
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      succeeded: true,
      container: "build",
      exitCode: 0,
      message: DIGEST,
    });
    expect(lines).toEqual([
      { container: "fetch-context", text: "-----> Fetching the build context" },
      { container: "fetch-context", text: "       context verified" },
      { container: "build", text: "INFO Retrieving image manifest" },
      { container: "build", text: "INFO Step 1/2" },
      { container: "build", text: "INFO Pushed image" },
    ]);
    const job = double.find("batch/v1", "Job", ns, req.name);
    expect(job?.metadata.labels?.["quickstack.dev/app"]).toBe("shop");
  });

  it("goes on once the registry confirms the image Kaniko says it pushed, before the builder exits", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    const cache = `sha256:${"c".repeat(64)}`;
    double.script(bare(image), {
      logs: [
        `INFO[0003] Pushed registry.test:5000/shop/cache@${cache}`,
        "INFO[0004] Pushing image to registry.test:5000/shop:0123456789ab",
        // As Kaniko's logrus writes it to a terminal-less stdout: coloured level.
        {
          line: `\u001b[36mINFO\u001b[0m[0005] Pushed registry.test:5000/shop@${DIGEST}`,
          afterMs: 30,
        },
      ],
      exitAfterMs: 600_000,
      terminationMessage: DIGEST,
    });
    const asked: string[] = [];
    const req = {
      ...request(ns, "shop", image),
      confirmPushed: (digest: string) => {
        asked.push(digest);
        return Promise.resolve(digest === DIGEST);
      },
    };
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      () => undefined,
      new AbortController().signal,
    );
    expect(outcome).toEqual({
      succeeded: true,
      container: "build",
      exitCode: 0,
      reason: "Pushed",
      digest: DIGEST,
    });
    // Only the destination's push was checked, never a cache layer's.
    expect(asked).toEqual([DIGEST]);
    // The Job is left to finish (its TTL removes it), not deleted as a cancelled one is.
    const pod = (await apis.pods.list(ns, { labelSelector: `job-name=${req.name}` })).items[0];
    expect(pod?.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(double.find("batch/v1", "Job", ns, req.name)).toBeDefined();
  });

  it("a push line the registry does not confirm changes nothing: the builder's exit decides", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    const other = `sha256:${"e".repeat(64)}`;
    double.script(bare(image), {
      logs: [
        // A RUN step's output printing Kaniko's line, and a registry that does not answer.
        `INFO[0002] Pushed registry.test:5000/shop@${other}`,
        `INFO[0003] Pushed registry.test:5000/shop@${DIGEST}`,
        { line: "error building image: RUN make: exit status 2", afterMs: 30 },
      ],
      exitAfterMs: 300,
      exitCode: 1,
      terminationMessage: "error building image",
    });
    const req = {
      ...request(ns, "shop", image),
      confirmPushed: (digest: string) =>
        digest === other ? Promise.resolve(false) : Promise.reject(new Error("ECONNREFUSED")),
    };
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      () => undefined,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      succeeded: false,
      exitCode: 1,
      message: "error building image",
    });
    expect(outcome.digest).toBeUndefined();
  });

  it("the termination message stays the authority when it arrives first", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(bare(image), {
      logs: [`INFO[0005] Pushed registry.test:5000/shop@${DIGEST}`],
      exitAfterMs: 50,
      terminationMessage: DIGEST,
    });
    const req = {
      ...request(ns, "shop", image),
      // A registry slower than the exit's report.
      confirmPushed: () => new Promise<boolean>(() => undefined),
    };
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      () => undefined,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ succeeded: true, exitCode: 0, message: DIGEST });
    expect(outcome.digest).toBeUndefined();
  });

  it("runs a rootless BuildKit Job (accepted by the schema-validating double) and reads its metadata", async () => {
    const ns = await namespace();
    const image = `example.test/buildkit-${randomUUID().slice(0, 6)}:v1-rootless`;
    const metadata = JSON.stringify({ "containerimage.digest": DIGEST });
    double.script(bare(image), {
      logs: ["#1 [internal] load build definition"],
      exitAfterMs: 30,
      terminationMessage: metadata,
    });
    const req = buildBuildkitJob(
      {
        app: "shop",
        buildId: `b${randomUUID().slice(0, 6)}`,
        gitSha: "0".repeat(40),
        destination: "registry.test:5000/shop:x",
        cacheRepo: "registry.test:5000/shop/cache",
        context: { url: "http://x/contexts/y?token=z", sha256: "c".repeat(64) },
        dockerfile: { generated: "FROM scratch\n" },
      },
      { namespace: ns, images: { buildkit: image }, nodeSelector: { "kubernetes.io/os": "linux" } },
    );
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      () => undefined,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ succeeded: true, message: metadata });
  });

  it("reports a failing builder with its exit code and message", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(bare(image), {
      logs: ["error building image: RUN make: exit status 2"],
      exitAfterMs: 30,
      exitCode: 1,
      terminationMessage: "error building image",
    });
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      request(ns, "shop", image),
      () => undefined,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      succeeded: false,
      container: "build",
      exitCode: 1,
      message: "error building image",
    });
  });

  it("stops at a failing init container (bad context checksum)", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    const fetchImage = `example.test/busybox-${randomUUID().slice(0, 6)}:1`;
    double.script(bare(fetchImage), {
      logs: ["context checksum mismatch"],
      exitAfterMs: 20,
      exitCode: 1,
    });
    const req = buildKanikoJob(
      {
        app: "shop",
        buildId: `b${randomUUID().slice(0, 6)}`,
        gitSha: "0".repeat(40),
        destination: "r/shop:x",
        cacheRepo: "r/shop/cache",
        context: { url: "http://x/contexts/y?token=z", sha256: "c".repeat(64) },
        dockerfile: { path: "Dockerfile" },
      },
      { namespace: ns, images: { kaniko: image, fetch: fetchImage } },
    );
    const lines: BuildLogLine[] = [];
    const outcome = await createBuildRunner(apis, { pollMs: 20 }).run(
      req,
      (l) => lines.push(l),
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ succeeded: false, container: "fetch-context", exitCode: 1 });
    expect(lines).toEqual([{ container: "fetch-context", text: "context checksum mismatch" }]);
  });

  it("deletes the Job when cancelled mid-build", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(bare(image), { logs: ["building forever"], exitAfterMs: 600_000 });
    const req = request(ns, "shop", image);
    const abort = new AbortController();
    const seen: string[] = [];
    const run = createBuildRunner(apis, { pollMs: 20 })
      .run(
        req,
        (l) => {
          seen.push(l.text);
          if (l.text === "building forever")
            abort.abort(new Error("cancelled with apps:builds-cancel"));
        },
        abort.signal,
      )
      .catch((e: unknown) => e);
    const err = await run;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe("build stopped: cancelled with apps:builds-cancel");
    await expect
      .poll(() => double.find("batch/v1", "Job", ns, req.name), { timeout: 10_000 })
      .toBeUndefined();
  });

  it("deletes Jobs by label selector (crash recovery)", async () => {
    const ns = await namespace();
    const image = `example.test/kaniko-${randomUUID().slice(0, 6)}:v1`;
    double.script(bare(image), { logs: ["orphan"], exitAfterMs: 600_000 });
    const req = request(ns, "shop", image);
    await apis.jobs.create(ns, req.manifest);
    const build = (req.manifest as { metadata: { labels: Record<string, string> } }).metadata
      .labels["quickstack.dev/build"];
    const runner = createBuildRunner(apis);
    expect(await runner.deleteJobs(ns, `quickstack.dev/build=${build}`)).toBe(1);
    await expect
      .poll(() => double.find("batch/v1", "Job", ns, req.name), { timeout: 10_000 })
      .toBeUndefined();
    expect(await runner.deleteJobs(ns, "quickstack.dev/build=none")).toBe(0);
  });
});
