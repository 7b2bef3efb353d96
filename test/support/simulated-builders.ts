import { pushTinyImage } from "@qs/builder";
import { SCRIPT_ANNOTATION, type KubeDouble } from "../kube-double/src/index.ts";
import type { ContainerScript } from "../kube-double/src/behaviour.ts";

/** Kaniko-like lines, so a local push looks like one on a real cluster. */
function builderLines(destination: string): string[] {
  return [
    "INFO[0000] Retrieving image manifest",
    "INFO[0001] Unpacking rootfs as cmd COPY requires it.",
    "INFO[0002] Taking snapshot of full filesystem...",
    `INFO[0003] Pushing image to ${destination}`,
  ];
}

/**
 * Plays the in-cluster builder on the Kubernetes API double for `npm run dev`: for every
 * builder pod (label `quickstack.dev/build`) it pushes a small real image for the app to
 * the local registry, then scripts the pod's containers so the builder prints Kaniko-like
 * lines and reports that image's digest, as Kaniko's --digest-file does. The control plane
 * then finds the image in the registry and deploys it; app containers print a few lines,
 * and one-off `apps:run` containers print the command they stand for and exit.
 * Returns the stop function.
 */
export function simulateBuilders(double: KubeDouble, registryUrl: string): () => void {
  const seen = new Set<string>();
  // App containers run the images built here; give them a few lines for `apps:logs`.
  const host = new URL(registryUrl).host.replace(/[.]/g, "\\.");
  double.script(new RegExp(`^${host}/`), {
    logs: [
      "> node server.js",
      { line: "listening on port 5000", afterMs: 200 },
      { line: "GET / 200 3ms", afterMs: 2_000 },
    ],
  });
  return double.api.store.subscribe((event) => {
    const pod = event.object;
    if (event.type !== "ADDED" || pod.kind !== "Pod") return;
    if (pod.metadata.labels?.["quickstack.dev/process"] === "run") {
      // `apps:run`: app containers are played, not run, so say what would have run and
      // exit, instead of serving for ever like the app's web containers.
      const run = (pod.spec as { containers: { command?: string[]; args?: string[] }[] }).containers[0];
      const command = [...(run?.command ?? []), ...(run?.args ?? [])].join(" ");
      const script: ContainerScript = { logs: [`(simulated cluster: the one-off process would run: ${command})`], exitAfterMs: 300 };
      double.api.mutate(double.type("v1", "Pod"), pod.metadata.namespace, pod.metadata.name, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [SCRIPT_ANNOTATION]: JSON.stringify(script) };
      });
      return;
    }
    const build = pod.metadata.labels?.["quickstack.dev/build"];
    const app = pod.metadata.labels?.["quickstack.dev/app"];
    if (build === undefined || app === undefined || seen.has(pod.metadata.uid)) return;
    seen.add(pod.metadata.uid);
    const spec = pod.spec as {
      initContainers?: { name: string }[];
      containers: { name: string; args?: string[] }[];
    };
    const destination =
      spec.containers
        .flatMap((c) => c.args ?? [])
        .find((a) => a.startsWith("--destination="))
        ?.slice("--destination=".length) ?? `${app}:latest`;
    const tag = destination.slice(destination.lastIndexOf(":") + 1);
    void pushTinyImage(registryUrl, app, tag, new Date().toISOString()).then((digest) => {
      const scripts: Record<string, ContainerScript> = {};
      for (const c of spec.initContainers ?? []) {
        scripts[c.name] = { logs: ["-----> Fetching the build context", "       context verified"], exitAfterMs: 200 };
      }
      for (const c of spec.containers) {
        scripts[c.name] = {
          logs: builderLines(destination).map((line, i) => ({ line, afterMs: 250 * (i + 1) })),
          exitAfterMs: 1_300,
          terminationMessage: digest,
        };
      }
      double.api.mutate(double.type("v1", "Pod"), pod.metadata.namespace, pod.metadata.name, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [SCRIPT_ANNOTATION]: JSON.stringify(scripts) };
      });
    });
  });
}
