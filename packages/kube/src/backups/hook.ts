import type { BackupHookSpec } from "@qs/core";
import { names } from "../labels.ts";
import type { Job } from "../rest/wire.ts";
import { containerSecurityContext } from "../render/security.ts";

type Container = NonNullable<NonNullable<Job["spec"]>["template"]["spec"]>["containers"][number];

// The pre-backup hook (issue 18: "the app is told through a pre-backup hook if it declares
// one") is the first step of a backup pod: an init container that sends GET <path> to the
// app's web Service and ends the pod unless a 2xx comes back in time. Being a step of the
// Job itself, it runs the same for backups:create and for the CronJob's runs (which run
// without the control plane), needs no API rights (no pods/exec) and no credentials: it
// runs as nobody, with no capabilities, no token, and none of restic's environment.
//
// The request is made with busybox wget (no -T or -S: Debian's 1.35 crashes with them; the
// script stops it itself after the timeout), which the restic image carries (upstream's is
// Alpine, whose wget is busybox's; the local image adds Debian's busybox package).

/** Env var: the whole URL the hook step calls (a value, never spliced into the script). */
export const HOOK_URL_ENV = "QS_HOOK_URL";
/** Env var: the path as the app declared it, for messages. */
export const HOOK_PATH_ENV = "QS_HOOK_PATH";
/** Env var: seconds the app has to answer. */
export const HOOK_TIMEOUT_ENV = "QS_HOOK_TIMEOUT";
/** The name of the hook step in the backup pod. */
export const HOOK_CONTAINER = "pre-backup-hook";

/** What a backup pod needs to call an app's hook. */
export interface PreBackupHook extends BackupHookSpec {
  /** The app whose web Service is called. */
  readonly app: string;
}

/** The URL the hook step calls: the app's web Service in its own namespace (port 80 → PORT). */
export function hookUrl(hook: PreBackupHook): string {
  return `http://${names.service(hook.app)}${hook.path}`;
}

/**
 * The hook step's shell: GET $QS_HOOK_URL with busybox wget, stopped after
 * $QS_HOOK_TIMEOUT seconds; on anything but a 2xx it writes why to the termination log
 * (which the control plane reports as the run's reason) and fails the pod.
 */
export function hookScript(): string {
  const fail = (why: string): string =>
    `echo "the pre-backup hook GET $${HOOK_PATH_ENV} ${why}; nothing was backed up (earlier backups are untouched)" > /dev/termination-log; exit 1`;
  return [
    "set -u",
    `busybox wget -q -O /dev/null "$${HOOK_URL_ENV}" > /tmp/hook.out 2>&1 &`,
    "pid=$!; t0=$(date +%s)",
    'while kill -0 "$pid" 2>/dev/null; do',
    `  if [ $(($(date +%s) - t0)) -ge "$${HOOK_TIMEOUT_ENV}" ]; then kill "$pid" 2>/dev/null; cat /tmp/hook.out >&2; ${fail(`gave no answer within $${HOOK_TIMEOUT_ENV} s`)}; fi`,
    "  sleep 1",
    "done",
    'status=0; wait "$pid" || status=$?',
    "cat /tmp/hook.out >&2",
    // busybox wget: "wget: server returned error: HTTP/1.1 503 Service Unavailable".
    `answer=$(sed -n 's/.*server returned error: HTTP\\/[0-9.]* //p' /tmp/hook.out | head -n 1 | tr -d '\\r')`,
    `if [ -n "$answer" ]; then ${fail("answered $answer")}; fi`,
    `if [ "$status" != 0 ]; then why=$(grep -m 1 'wget:' /tmp/hook.out | cut -c 1-200); ${fail("could not be called (${why:-wget exit code $status})")}; fi`,
    `echo "pre-backup hook GET $${HOOK_PATH_ENV} answered 2xx"`,
  ].join("\n");
}

/** The first step of a backup pod when the app declares a hook. */
export function buildHookContainer(hook: PreBackupHook, image: string): Container {
  return {
    name: HOOK_CONTAINER,
    image,
    command: ["/bin/sh", "-c", hookScript()],
    env: [
      { name: HOOK_URL_ENV, value: hookUrl(hook) },
      { name: HOOK_PATH_ENV, value: hook.path },
      { name: HOOK_TIMEOUT_ENV, value: String(hook.timeoutSeconds) },
    ],
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: { ...containerSecurityContext(), runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}
