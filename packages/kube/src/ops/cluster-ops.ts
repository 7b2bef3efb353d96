import { setTimeout as sleep } from "node:timers/promises";
import {
  type AppProcess,
  type ClusterOps,
  NotFoundError,
  type OpsIO,
  UnavailableError,
  appNamespace,
} from "@qs/core";
import { type KubeApis, ignoreNotFound, podLogPath } from "../apis.ts";
import { LABEL_APP, LABEL_PROCESS, LABEL_RELEASE } from "../labels.ts";
import { openRemoteCommand } from "../rest/remote-command.ts";
import { PATCH_TYPES } from "../rest/resource.ts";
import type { Pod } from "../rest/wire.ts";
import { readAutoscalers } from "./autoscalers.ts";
import { streamAppLogs } from "./logs.ts";
import { podMetrics } from "./metrics.ts";
import { cpuMillicores, memoryBytes } from "./quantity.ts";
import { exitCodeOf, hasStarted, isReady, podState, processOf } from "./pod-state.ts";
import { RUN_PROCESS, buildRunPod } from "./run-pod.ts";
import { SourceNamer, byAge } from "./source-names.ts";
import { exitCodeFromStatus, forwardResizes, passStderr, terminalStdout } from "./terminal.ts";

/** Options of createClusterOps. */
export interface ClusterOpsOptions {
  readonly apis: KubeApis;
  /** How often run polls its pod's phase. @defaultValue 500 */
  readonly pollMs?: number;
  /** Field manager name for patches. @defaultValue "quickstack-ops" */
  readonly fieldManager?: string;
}

/** The annotation `kubectl rollout restart` sets; a changed pod template rolls the pods. */
export const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

/**
 * Logs, ps, restart, run and enter over the REST client; run's attach and enter's exec load
 * client-node (WebSocket channels) on first use only.
 */
export function createClusterOps(options: ClusterOpsOptions): ClusterOps {
  const { apis } = options;
  const pollMs = options.pollMs ?? 500;

  async function podsOf(app: string, process?: string): Promise<Pod[]> {
    const labelSelector = process === undefined ? `${LABEL_APP}=${app}` : `${LABEL_APP}=${app},${LABEL_PROCESS}=${process}`;
    return byAge((await apis.pods.list(appNamespace(app), { labelSelector })).items);
  }

  async function templateOf(app: string) {
    const list = await apis.deployments.list(appNamespace(app), { labelSelector: `${LABEL_APP}=${app}` });
    const sorted = [...list.items].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    return sorted.find((d) => d.metadata?.labels?.[LABEL_PROCESS] === "web") ?? sorted[0];
  }

  async function waitForPod(namespace: string, name: string, until: (pod: Pod) => boolean, signal: AbortSignal, timeoutMs?: number): Promise<Pod> {
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    for (;;) {
      const pod = await apis.pods.read(namespace, name);
      if (until(pod)) return pod;
      const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason !== undefined && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError/.test(waiting.reason)) {
        throw new UnavailableError("RUN_FAILED", `the container could not start: ${waiting.reason}`, {
          ...(waiting.message === undefined ? {} : { hint: waiting.message }),
        });
      }
      if (signal.aborted) throw new UnavailableError("CANCELLED", "cancelled");
      if (Date.now() > deadline) {
        throw new UnavailableError("RUN_TIMEOUT", "the one-off container did not start in time", {
          hint: "check the cluster has room: ssh qs nodes:list",
        });
      }
      await sleep(pollMs);
    }
  }

  return {
    logs: (app, logOptions, onLine, signal) => streamAppLogs({ apis }, app, logOptions, onLine, signal),

    autoscalers: (app) => readAutoscalers(apis, app),

    async ps(app) {
      const pods = (await podsOf(app)).filter((p) => processOf(p) !== RUN_PROCESS || p.status?.phase === "Running");
      const usage = new Map<string, { cpu: number; memory: number }>();
      try {
        const metrics = await podMetrics(apis.rest, appNamespace(app));
        for (const m of metrics.items) {
          let cpu = 0;
          let memory = 0;
          for (const c of m.containers) {
            cpu += cpuMillicores(c.usage.cpu) ?? 0;
            memory += memoryBytes(c.usage.memory) ?? 0;
          }
          usage.set(m.metadata.name, { cpu, memory });
        }
      } catch {
        // No metrics-server (or not yet scraped): ps still lists the pods, without usage.
      }
      const namer = new SourceNamer();
      const out: AppProcess[] = pods.map((pod) => {
        const name = pod.metadata?.name ?? "";
        const u = usage.get(name);
        const startedAt = Date.parse(pod.status?.startTime ?? "");
        return {
          source: namer.name(name, processOf(pod)),
          pod: name,
          process: processOf(pod),
          state: podState(pod),
          ready: isReady(pod),
          restarts: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
          ...(Number.isNaN(startedAt) ? {} : { startedAt: new Date(startedAt).toISOString() }),
          ...(pod.spec?.nodeName === undefined ? {} : { node: pod.spec.nodeName }),
          ...(pod.metadata?.labels?.[LABEL_RELEASE] === undefined ? {} : { release: pod.metadata.labels[LABEL_RELEASE] }),
          ...(u === undefined ? {} : { cpuMillicores: Math.round(u.cpu), memoryBytes: u.memory }),
        };
      });
      return out.sort((a, b) => a.source.localeCompare(b.source, "en", { numeric: true }));
    },

    async restart(app, process) {
      const namespace = appNamespace(app);
      const labelSelector = process === undefined ? `${LABEL_APP}=${app}` : `${LABEL_APP}=${app},${LABEL_PROCESS}=${process}`;
      const list = await apis.deployments.list(namespace, { labelSelector });
      if (process !== undefined && list.items.length === 0) {
        throw new NotFoundError("PROCESS_NOT_FOUND", `${app} has no process type "${process}" running`, {
          hint: `see its processes with: ssh qs apps:ps ${app}`,
        });
      }
      const at = new Date().toISOString();
      const restarted: string[] = [];
      for (const d of list.items) {
        const name = d.metadata?.name ?? "";
        // A merge patch of one annotation: it never fights the reconciler over other fields.
        // (Through rest.json rather than deployments.patch, which sends no fieldManager.)
        await apis.rest.json("PATCH", `${apis.deployments.path(namespace)}/${encodeURIComponent(name)}`, {
          query: { fieldManager: options.fieldManager ?? "quickstack-ops" },
          body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } },
          contentType: PATCH_TYPES.merge,
        });
        restarted.push(d.metadata?.labels?.[LABEL_PROCESS] ?? name);
      }
      return restarted.sort();
    },

    async run(app, runOptions, io, signal) {
      const namespace = appNamespace(app);
      const template = await templateOf(app);
      const tty = io.tty !== undefined;
      const pod = buildRunPod({
        app,
        image: runOptions.image,
        command: runOptions.command,
        user: runOptions.user,
        tty,
        ...(template === undefined ? {} : { template }),
      });
      const name = pod.metadata?.name ?? "";
      await apis.pods.create(namespace, pod);
      try {
        await waitForPod(namespace, name, (p) => hasStarted(p) || exitCodeOf(p) !== undefined, signal, runOptions.startTimeoutMs ?? 120_000);
        const aborted = new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        // Whether the container's output reached the user through attach.
        let shown = false;
        if (tty) {
          try {
            const stdout = terminalStdout(io);
            let bytes = 0;
            stdout.on("data", (chunk: Buffer) => (bytes += chunk.length));
            const session = await openRemoteCommand(
              apis.rest,
              `${apis.pods.path(namespace)}/${encodeURIComponent(name)}/attach`,
              { container: RUN_PROCESS, stdin: true, stdout: true, tty: true },
              { stdin: io.stdin, stdout, stderr: null, tty: true },
            );
            forwardResizes(session, io);
            await Promise.race([session.done, aborted]);
            session.close();
            shown = bytes > 0;
          } catch {
            // Attach is refused once the container has exited (fast commands): show its log.
          }
        }
        if (!shown) {
          // Attach shows output from the moment it connects: a command that printed and
          // exited before that (or attach refused) is shown from its log, every line from the first.
          const out = terminalStdout(io);
          const finished = new Promise<void>((resolve) => out.on("finish", resolve).on("error", () => resolve()));
          try {
            const res = await apis.rest.stream(podLogPath(apis, namespace, name), { query: { follow: true, container: RUN_PROCESS }, signal });
            // The signal ends the stream by erroring the response: expected.
            res.on("error", () => undefined);
            res.pipe(out);
            await Promise.race([finished, aborted]);
          } catch (err) {
            if (!signal.aborted) throw err;
          }
        }
        const done = await waitForPod(namespace, name, (p) => exitCodeOf(p) !== undefined, signal);
        return exitCodeOf(done) ?? 1;
      } finally {
        await ignoreNotFound(() => apis.pods.delete(namespace, name, { gracePeriodSeconds: 0 }));
      }
    },

    async enter(app, process, command, io, signal, target) {
      const pods = (await podsOf(app)).filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase === "Running");
      const types = [...new Set(pods.map(processOf))].filter((t) => t !== RUN_PROCESS).sort();
      const wanted = process ?? (types.includes("web") ? "web" : types[0]);
      const candidates = pods.filter((p) => processOf(p) === wanted);
      const pod = target?.pod === undefined ? (candidates.find(isReady) ?? candidates[0]) : pods.find((p) => p.metadata?.name === target.pod && processOf(p) !== RUN_PROCESS);
      if (pod === undefined) {
        if (target?.pod !== undefined)
          throw new NotFoundError("NO_RUNNING_PROCESS", `${app} has no running pod ${target.pod}`, { hint: `see its processes with: ssh qs apps:ps ${app}` });
        throw new NotFoundError("NO_RUNNING_PROCESS", `${app} has no running ${wanted ?? ""} process to enter`.replace("  ", " "), {
          hint: `see its processes with: ssh qs apps:ps ${app}`,
        });
      }
      target?.onPod?.(pod.metadata?.name ?? "");
      return execIn(apis, appNamespace(app), pod, command, io, signal);
    },
  };
}

/** Kubernetes exec with the caller's streams; resolves with the command's exit code. */
async function execIn(apis: KubeApis, namespace: string, pod: Pod, command: readonly string[], io: OpsIO, signal: AbortSignal): Promise<number> {
  const tty = io.tty !== undefined;
  const session = await openRemoteCommand(
    apis.rest,
    `${apis.pods.path(namespace)}/${encodeURIComponent(pod.metadata?.name ?? "")}/exec`,
    { command: [...command], container: pod.spec?.containers[0]?.name, stdin: true, stdout: true, stderr: !tty, tty },
    { stdin: io.stdin, stdout: terminalStdout(io), stderr: tty ? null : passStderr(io), tty },
  );
  forwardResizes(session, io);
  const stop = (): void => session.close();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const status = await session.done;
    return status === undefined ? (signal.aborted ? 130 : 1) : exitCodeFromStatus(status);
  } finally {
    signal.removeEventListener("abort", stop);
  }
}
