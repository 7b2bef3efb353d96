import { PassThrough, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import {
  AuthenticationError,
  describeError,
  formatBytes,
  httpStatusOf,
  QsError,
  type Logger,
  type Principal,
} from "@qs/core";
import { admitGitRequest, oneLine, type AdmissionOptions } from "./admission.ts";
import type { GitServiceName } from "./git-command.ts";
import type { HookServer } from "./hook-server.ts";
import { FLUSH, pktLine, sidebandError } from "./pkt-line.ts";
import { pumpCounted, spawnGitService } from "./spawn-service.ts";

/** What the smart-HTTP handler needs. */
export interface HttpGitOptions extends AdmissionOptions {
  hooks: HookServer;
  logger: Logger;
  maxPushBytes: number;
}

// Smart HTTP (gitprotocol-http(5)): GET info/refs?service=…, POST git-upload-pack / git-receive-pack.
const ROUTE = /^\/git\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * A fetch-style handler for `/git/<app>.git/…` that runs `git <service> --stateless-rpc`
 * itself (no node-git-server: see the package README for why). Auth is HTTP basic with
 * user + API token; the same admission as SSH runs before any git process starts.
 */
export function createGitHttpHandler(
  options: HttpGitOptions,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const m = ROUTE.exec(url.pathname);
    if (m === null) return text(404, "not a git path: use /git/<app>.git");
    const [, repo = "", action = ""] = m;
    const service = action === "info/refs" ? url.searchParams.get("service") : action;
    if (service !== "git-upload-pack" && service !== "git-receive-pack") {
      return text(403, "only smart HTTP is served: use git 1.6.6 or newer");
    }
    if (
      (action === "info/refs") !== (request.method === "GET") ||
      (action !== "info/refs" && request.method !== "POST")
    ) {
      return text(405, "method not allowed");
    }

    let admitted: { app: string; repoDir: string };
    try {
      const principal = await authenticate(options, request);
      admitted = await admitGitRequest(options, principal, repo);
      if (action === "info/refs") return await advertise(service, admitted.repoDir);
      return rpc(options, request, service, principal, admitted);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        return new Response(`${err.message}\n`, {
          status: 401,
          headers: {
            "WWW-Authenticate": 'Basic realm="QuickStack", charset="UTF-8"',
            "Content-Type": "text/plain",
          },
        });
      }
      if (!(err instanceof QsError)) options.logger.error({ err }, "git http request failed");
      // git prints a text/plain error body as `remote: …` lines.
      return text(httpStatusOf(err), err instanceof QsError ? oneLine(err) : describeError(err));
    }
  };
}

async function authenticate(options: HttpGitOptions, request: Request): Promise<Principal> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (m === null)
    throw new AuthenticationError("authentication required: use your user name and an API token");
  const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? undefined : decoded.slice(0, colon);
  const token = colon < 0 ? decoded : decoded.slice(colon + 1);
  const principal = await options.access.authenticateToken(user === "" ? undefined : user, token);
  if (principal === undefined) throw new AuthenticationError("wrong user name or API token");
  return principal;
}

async function advertise(service: GitServiceName, repoDir: string): Promise<Response> {
  const child = spawnGitService({ service, repoDir, statelessRpc: true, advertiseRefs: true });
  child.stdin.end();
  child.on("error", () => undefined); // reported through the exit code below
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`git ${service} --advertise-refs exited ${code.toString()}`);
  const body = Buffer.concat([pktLine(`# service=${service}\n`), FLUSH, ...chunks]);
  return new Response(body, {
    headers: {
      "Content-Type": `application/x-${service}-advertisement`,
      "Cache-Control": "no-cache",
    },
  });
}

function rpc(
  options: HttpGitOptions,
  request: Request,
  service: GitServiceName,
  principal: Principal,
  admitted: { app: string; repoDir: string },
): Response {
  const gone = new AbortController();
  const session =
    service === "git-receive-pack"
      ? options.hooks.open({
          app: admitted.app,
          principal,
          repoDir: admitted.repoDir,
          signal: gone.signal,
        })
      : undefined;
  const child = spawnGitService({
    service,
    repoDir: admitted.repoDir,
    statelessRpc: true,
    env: session?.env,
    maxInputSize: options.maxPushBytes,
  });
  const onAbort = (): void => {
    gone.abort();
    child.kill("SIGTERM");
  };
  request.signal.addEventListener("abort", onAbort, { once: true });

  let body: Readable =
    request.body === null ? Readable.from([]) : Readable.fromWeb(request.body as never);
  if (/gzip/i.test(request.headers.get("content-encoding") ?? "")) body = body.pipe(createGunzip());
  const out = new PassThrough();
  let tooLarge = false;
  pumpCounted(
    body,
    child.stdin,
    service === "git-receive-pack" ? options.maxPushBytes : Infinity,
    () => {
      tooLarge = true;
      gone.abort();
      child.kill("SIGTERM");
      // Read the rest so the client gets to see the answer instead of a broken upload.
      body.resume();
    },
  );
  child.on("error", (err) => {
    options.logger.error({ err }, "cannot start git");
    out.end();
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.on("data", (d: Buffer) =>
    options.logger.debug({ stderr: d.toString("utf8") }, "git stderr"),
  );
  child.on("close", () => {
    session?.close();
    request.signal.removeEventListener("abort", onAbort);
    if (tooLarge) {
      out.write(
        sidebandError(
          `push refused: it is larger than this server's limit of ${formatBytes(options.maxPushBytes)} — keep large files out of git, or ask the operator to raise QS_MAX_PUSH_BYTES`,
        ),
      );
    }
    out.end();
  });
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    headers: { "Content-Type": `application/x-${service}-result`, "Cache-Control": "no-cache" },
  });
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}
