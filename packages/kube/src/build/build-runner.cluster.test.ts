import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kanikoPushedDigest } from "@qs/builder";
import type { BuildLogLine, BuilderJobRequest } from "@qs/core";
import {
  ensureBuilderImages,
  localBuilderImages,
} from "../../../../test/cluster/builders/images.ts";
import { registryName } from "../../../../test/cluster/src/layout.ts";
import { createKubeApis, type KubeApis } from "../apis.ts";
import { loadKubeConnection } from "../rest/connection.ts";
import type { Job, Pod } from "../rest/wire.ts";
import { createBuildRunner } from "./build-runner.ts";

// The runner's push line on the real API server and kubelet: the builder's log reaches the
// runner while the container still runs, so it goes on at the confirmed push instead of
// waiting for pod status to report the exit, and the Job then ends by itself. The builder
// is busybox printing Kaniko's line as Kaniko does (coloured level, padded), then staying
// up; the registry's confirmation is a stand-in here (the real one is the build worker's
// HEAD of the destination tag, tested on a real registry in builds.redis.test.ts).

const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const ns = `qs-br-${randomUUID().slice(0, 8)}`;
const DIGEST = `sha256:${"d".repeat(64)}`;
/** How long the builder stays up after its push line. */
const AFTER_PUSH_S = 15;
let apis: KubeApis;
let busybox = "";

beforeAll(async () => {
  const digests = await ensureBuilderImages(() => undefined);
  const ref = localBuilderImages.fetch;
  busybox = `${ref}@${digests[ref.slice(registryName.length + 1)] ?? ""}`;
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await apis.namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
}, 600_000);

afterAll(async () => {
  await apis.namespaces.delete(ns).catch(() => undefined);
  apis.rest.close();
});

/** The builder pod's container `name`. */
async function container(job: string, name: string) {
  const pod: Pod | undefined = (await apis.pods.list(ns, { labelSelector: `job-name=${job}` }))
    .items[0];
  return pod?.status?.containerStatuses?.find((s) => s.name === name);
}

describe("BuildRunner on the real cluster", () => {
  it("goes on at the builder's confirmed push line while it still runs; the Job then ends by itself", async () => {
    const name = `push-line-${randomUUID().slice(0, 6)}`;
    const line = (repo: string, digest: string) =>
      `printf '\\033[36mINFO\\033[0m[0004] Pushed ${repo}@${digest}         \\n'`;
    const script = [
      line("registry.test:5000/shop/cache", `sha256:${"c".repeat(64)}`),
      line("registry.test:5000/shop", DIGEST),
      `sleep ${AFTER_PUSH_S}`,
      `printf '${DIGEST}' > /dev/termination-log`,
    ].join("; ");
    const job: Job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: ns },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 300,
        template: {
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            initContainers: [
              { name: "fetch-context", image: busybox, command: ["sh", "-c", "echo fetched"] },
            ],
            containers: [{ name: "build", image: busybox, command: ["sh", "-c", script] }],
          },
        },
      },
    };
    const asked: string[] = [];
    const request: BuilderJobRequest = {
      namespace: ns,
      name,
      manifest: job,
      containers: ["fetch-context", "build"],
      builderContainer: "build",
      pushedDigest: kanikoPushedDigest("registry.test:5000/shop:0123456789ab"),
      confirmPushed: (digest) => {
        asked.push(digest);
        return Promise.resolve(digest === DIGEST);
      },
    };
    const lines: BuildLogLine[] = [];
    const outcome = await createBuildRunner(apis).run(
      request,
      (l) => lines.push(l),
      new AbortController().signal,
    );
    const wentOn = Date.now();
    expect(outcome, lines.map((l) => l.text).join("\n")).toEqual({
      succeeded: true,
      container: "build",
      exitCode: 0,
      reason: "Pushed",
      digest: DIGEST,
    });
    expect(asked).toEqual([DIGEST]);

    // The Job was left to run: the builder exits on its own, with its termination message.
    await expect
      .poll(async () => (await container(name, "build"))?.state?.terminated?.exitCode, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe(0);
    const terminated = (await container(name, "build"))?.state?.terminated;
    expect(terminated?.message).toBe(DIGEST);
    // The runner went on well before the exit (finishedAt has whole seconds; same clock).
    expect(wentOn).toBeLessThan(Date.parse(terminated?.finishedAt ?? "") - 5_000);
  }, 300_000);
});
