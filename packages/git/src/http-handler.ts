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
      return await rpc(options, request, service, principal, admitted);
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

// Content-Encoding values git sends (http.c: gzip for large request bodies) or that mean none.
const GZIP = /^\s*(?:x-)?gzip\s*$/i;
const IDENTITY = /^\s*(?:identity)?\s*$/i;

/**
 * Runs one stateless-rpc exchange. The status waits for git's first output or its exit:
 * a request git refuses before answering (bad pkt-lines, a body that is not gzip) gets a
 * 400 with git's reason, which the client prints, instead of an empty 200. Every stream
 * on the way has an error handler: a bad body must never take the control plane down.
 */
async function rpc(
  options: HttpGitOptions,
  request: Request,
  service: GitServiceName,
  principal: Principal,
  admitted: { app: string; repoDir: string },
): Promise<Response> {
  const encoding = request.headers.get("content-encoding") ?? "";
  const gzip = GZIP.test(encoding);
  if (!gzip && !IDENTITY.test(encoding)) {
    return text(
      415,
      `Content-Encoding "${oneLineOf(encoding)}" is not supported: send gzip or no encoding`,
    );
  }
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
  const stop = (): void => {
    gone.abort();
    child.kill("SIGTERM");
  };
  request.signal.addEventListener("abort", stop, { once: true });

  const raw: Readable =
    request.body === null ? Readable.from([]) : Readable.fromWeb(request.body as never);
  let badBody: string | undefined;
  const refuseBody = (reason: string): void => {
    badBody ??= reason;
    stop();
  };
  // A client that breaks off mid-upload errors the body stream; git then sees a short read.
  raw.on("error", () => refuseBody("the request body was cut off: push again"));
  let body: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on("error", (err) =>
      refuseBody(
        `the request body is not valid gzip (${err.message}): send it again, compressed correctly or not at all`,
      ),
    );
    body = raw.pipe(gunzip);
  }
  const out = new PassThrough();
  out.on("error", () => undefined); // the client stopped reading: nothing left to tell it
  let tooLarge = false;
  pumpCounted(
    body,
    child.stdin,
    service === "git-receive-pack" ? options.maxPushBytes : Infinity,
    () => {
      tooLarge = true;
      stop();
      // Read the rest so the client gets to see the answer instead of a broken upload.
      body.resume();
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString("utf8");
    options.logger.debug({ stderr: d.toString("utf8") }, "git stderr");
  });
  child.stdout.on("error", () => undefined);
  let closed = false;
  let exitCode: number | null = null;
  const ended = new Promise<void>((resolve) => {
    child.once("close", (code) => {
      closed = true;
      exitCode = code;
      resolve();
    });
    child.once("error", (err) => {
      options.logger.error({ err }, "cannot start git");
      closed = true;
      resolve();
    });
  });

  // Resolves with the first output chunk, or undefined when git ends (or fails) without one.
  const first = await new Promise<Buffer | undefined>((resolve) => {
    child.stdout.once("data", (chunk: Buffer) => {
      child.stdout.pause();
      resolve(chunk);
    });
    void ended.then(() => resolve(undefined));
  });

  const finish = (): void => {
    session?.close();
    request.signal.removeEventListener("abort", stop);
  };
  if (first === undefined) {
    await ended;
    // git's own receive.maxInputSize may trip before our count does: the same refusal.
    if (/maximum allowed size/i.test(stderr)) tooLarge = true;
    // An oversize push is answered in the protocol (below): git shows a side-band error,
    // while it prints only "HTTP 400" for a refused POST.
    // Exit 0 without output is a real answer: git's probe of a large push is a lone flush
    // packet (remote-curl.c, probe_rpc), and receive-pack answers it with nothing.
    if (!tooLarge && (exitCode !== 0 || badBody !== undefined)) {
      finish();
      if (badBody !== undefined) return text(400, badBody);
      return text(400, `git ${service} refused the request: ${gitReason(stderr, admitted)}`);
    }
  }

  if (first !== undefined) out.write(first);
  child.stdout.pipe(out, { end: false });
  child.stdout.resume();
  const done = (): void => {
    finish();
    if (tooLarge) {
      out.write(
        sidebandError(
          `push refused: it is larger than this server's limit of ${formatBytes(options.maxPushBytes)} — keep large files out of git, or ask the operator to raise QS_MAX_PUSH_BYTES`,
        ),
      );
    } else if (badBody !== undefined) {
      out.write(sidebandError(badBody));
    }
    out.end();
  };
  if (closed) done();
  else void ended.then(done);
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    headers: { "Content-Type": `application/x-${service}-result`, "Cache-Control": "no-cache" },
  });
}

/** git's own reason from its stderr (`fatal: …`), without the server's paths. */
function gitReason(stderr: string, admitted: { app: string; repoDir: string }): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0];
  if (line === undefined) return "the request is not a valid git request";
  return oneLineOf(
    line.replace(/^(fatal|error):\s*/, "").replaceAll(admitted.repoDir, `${admitted.app}.git`),
  );
}

/** Printable ASCII only, at most 200 characters: user input echoed into a message. */
function oneLineOf(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}
