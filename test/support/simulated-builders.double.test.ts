import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeApis } from "@qs/kube";
import type { KubeDouble } from "../kube-double/src/index.ts";
import { eventually } from "../kube-double/harness.ts";
import { simulateBuilders } from "./simulated-builders.ts";
import { startDoubleWithApis } from "./double-apis.ts";

// `npm run dev` plays builders and one-off processes on the double (simulated-builders.ts).

let double: KubeDouble;
let apis: KubeApis;
let closeDouble: () => Promise<void>;
let stop: () => void;
beforeAll(async () => {
  ({ double, apis, close: closeDouble } = await startDoubleWithApis());
  stop = simulateBuilders(double, process.env.QS_TEST_REGISTRY_URL!);
  await apis.namespaces.create({ metadata: { name: "dev-run" } });
});
afterAll(async () => {
  stop();
  await closeDouble();
});

describe("simulated one-off processes", () => {
  it("print the command they stand for and exit 0, instead of serving for ever", async () => {
    await apis.pods.create("dev-run", {
      metadata: { name: "one-off", labels: { "quickstack.dev/process": "run" } },
      spec: { restartPolicy: "Never", containers: [{ name: "run", image: "127.0.0.1:5000/shop@sha256:1", command: ["rake", "db:migrate"] }] },
    });
    await eventually(async () => ((await apis.pods.read("dev-run", "one-off")).status?.phase === "Succeeded" ? true : undefined));
    const log = await apis.rest.text(`${apis.pods.path("dev-run")}/one-off/log`, { query: { container: "run" } });
    expect(log).toBe("(simulated cluster: the one-off process would run: rake db:migrate)\n");
  });
});
