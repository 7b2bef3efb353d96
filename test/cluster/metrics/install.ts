import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { hasImage, imageName, pushImage } from "../src/images.ts";

// metrics-server on the local cluster: the binary build.sh made from its Go module, packed
// into a one-layer image, pushed to the loopback registry, then manifests/metrics-server.yaml.
// cluster up can call installMetricsServer after the node is Ready and DNS serves.

const repoRoot = join(fileURLToPath(import.meta.url), "../../../..");

/** The image of metrics-server as pods name it. */
export const METRICS_SERVER_REF = "k8s/metrics-server:v0.8.0";

/** build.sh's folders (name=dir lines of `build.sh --print`). */
function toolDirs(): Record<string, string> {
  const out = execFileSync("bash", [join(repoRoot, "test/cluster/build.sh"), "--print"], { encoding: "utf8" });
  return Object.fromEntries(out.trim().split("\n").map((l) => l.split("=", 2) as [string, string]));
}

/** Options of installMetricsServer. */
export interface InstallMetricsServerOptions {
  /** How long to wait for the metrics API to serve node metrics. @defaultValue 180000 */
  readonly timeoutMs?: number;
  /** Progress lines. @defaultValue none */
  readonly say?: (line: string) => void;
}

/**
 * Pushes the metrics-server image (once), applies its manifest and waits until the metrics
 * API answers with node metrics (the first scrape comes one resolution, 15 s, after start).
 */
export async function installMetricsServer(kubeconfig: string, options: InstallMetricsServerOptions = {}): Promise<void> {
  const say = options.say ?? (() => undefined);
  const dirs = toolDirs();
  const need = (name: string): string => {
    const dir = dirs[name];
    if (dir === undefined) throw new Error(`build.sh does not know ${name}`);
    return dir;
  };
  const kubectl = (args: string[], input?: string): string =>
    execFileSync(join(need("kubernetes"), "kubectl"), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  if (!(await hasImage(METRICS_SERVER_REF))) {
    pushImage(join(need("crane"), "crane"), {
      ref: METRICS_SERVER_REF,
      files: { "/metrics-server": join(need("metrics-server"), "metrics-server") },
      entrypoint: ["/metrics-server"],
      user: "1000:1000",
    });
    say(`       image ${METRICS_SERVER_REF} made and pushed`);
  }
  const manifest = readFileSync(join(repoRoot, "test/cluster/manifests/metrics-server.yaml"), "utf8").replaceAll("IMAGE", imageName(METRICS_SERVER_REF));
  kubectl(["apply", "-f", "-"], manifest);
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    let last: string;
    try {
      const nodes = JSON.parse(kubectl(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"])) as { items?: unknown[] };
      if ((nodes.items?.length ?? 0) > 0) break;
      last = "no node metrics yet";
    } catch (err) {
      last = (err as { stderr?: string }).stderr ?? String(err);
    }
    if (Date.now() > deadline) {
      let pods = "";
      try {
        pods = kubectl(["-n", "kube-system", "get", "pods", "-l", "k8s-app=metrics-server", "-o", "wide"]) + kubectl(["-n", "kube-system", "logs", "deploy/metrics-server", "--tail=20"]);
      } catch {
        // The diagnosis is best effort; the timeout below is the error.
      }
      throw new Error(`metrics-server did not serve node metrics in time: ${last.trim()}\n${pods}`);
    }
    await sleep(2_000);
  }
  say("       metrics-server serving the resource metrics API");
}
