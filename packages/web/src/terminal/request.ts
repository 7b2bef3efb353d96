import { AppNotFoundError, ForbiddenError, NotFoundError, UsageError, isDns1123Label, parseAppName, type Principal } from "@qs/core";
import { splitCommandLine, type CommandServices } from "@qs/commands";
import { isTerminalSide } from "./protocol.ts";
import type { TerminalRequest } from "./run-session.ts";

/** Longest command line accepted from the page or the API. */
const MAX_COMMAND = 4096;

/**
 * The session asked for by query parameters `process`, `pod`, `command` (split like an SSH
 * command line, never by a shell), `cols`, `rows` (pure; throws UsageError/ValidationError).
 */
export function parseTerminalRequest(app: string, query: Readonly<Record<string, string | undefined>>): TerminalRequest {
  const name = parseAppName(app);
  const process = query.process || undefined;
  const pod = query.pod || undefined;
  if (process !== undefined && !isDns1123Label(process)) throw new UsageError(`"${process.slice(0, 40)}" is not a process type`, { hint: "process types are lower-case names like web or worker" });
  if (pod !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(pod)) throw new UsageError("pod must be a pod name", { hint: `see the pods with: ssh qs apps:ps ${name}` });
  const line = query.command ?? "";
  if (line.length > MAX_COMMAND) throw new UsageError(`the command is longer than ${MAX_COMMAND} characters`);
  const command = line.trim() === "" ? [] : splitCommandLine(line);
  const side = (key: "cols" | "rows", fallback: number): number => {
    const raw = query[key];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!isTerminalSide(n)) throw new UsageError(`${key} must be a whole number from 1 to 1000`);
    return n;
  };
  return { app: name, ...(process === undefined ? {} : { process }), ...(pod === undefined ? {} : { pod }), command, cols: side("cols", 80), rows: side("rows", 24) };
}

/**
 * Everything that can refuse a session, checked before the upgrade so a refused request
 * starts nothing in the cluster: access as `apps:enter` checks it (admins every app,
 * developers their granted ones), the app exists, and the process or pod is running.
 */
export async function checkTerminalTarget(services: CommandServices, principal: Principal, request: TerminalRequest): Promise<void> {
  await checkAppAccess(services, principal, request.app);
  const ops = services.ops;
  if (ops === undefined) return;
  const running = (await ops.ps(request.app)).filter((p) => p.state === "Running");
  if (request.pod !== undefined) {
    const found = running.find((p) => p.pod === request.pod);
    if (found === undefined || (request.process !== undefined && found.process !== request.process))
      throw new NotFoundError("NO_RUNNING_PROCESS", `${request.app} has no running pod ${request.pod}`, { hint: `see its processes with: ssh qs apps:ps ${request.app}` });
  } else if (request.process !== undefined && !running.some((p) => p.process === request.process)) {
    throw new NotFoundError("NO_RUNNING_PROCESS", `${request.app} has no running ${request.process} process to enter`, { hint: `see its processes with: ssh qs apps:ps ${request.app}` });
  }
}

/** The rule of authorizeApp in the command layer; a developer is not told whether an ungranted app exists. */
export async function checkAppAccess(services: CommandServices, principal: Principal, app: string): Promise<void> {
  if (principal.role !== "admin" && !(await services.access.canAccessApp(principal, app)))
    throw new ForbiddenError(`you do not have access to app "${app}"`, { hint: `ask an admin to run: ssh qs access:grant ${app} ${principal.user}` });
  if (!(await services.apps.exists(app))) throw new AppNotFoundError(app);
}
