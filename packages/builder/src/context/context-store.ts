import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isDns1123Label, LimitExceededError, ValidationError } from "@qs/core";

/** A stored build context. */
export interface PreparedContext {
  readonly sha256: string;
  readonly size: number;
  /** Deletes the file and forgets the token (call when the build ends; idempotent). */
  release(): Promise<void>;
}

/** Options for createContextStore. */
export interface ContextStoreOptions {
  /** Folder under the data dir for context tarballs (created 0700). */
  readonly dir: string;
  /** Base URL the builder pods reach the control plane's context port at, e.g. `http://qs.qs-system.svc:8081`. */
  readonly baseUrl: string;
  /** Largest context accepted. @defaultValue 1 GiB */
  readonly maxBytes?: number;
}

/** Stores build contexts and serves each once over HTTP. */
export interface ContextStore {
  /** Streams `archive` to disk, hashing it. */
  prepare(buildId: string, archive: NodeJS.ReadableStream): Promise<PreparedContext>;
  /**
   * A one-time download URL for a stored context (never log it), replacing any earlier
   * token: each builder attempt gets its own. Undefined when the context is not stored.
   */
  issue(buildId: string): { url: string; sha256: string } | undefined;
  /** Answers `GET /contexts/<id>?token=…`; returns false when the path is not ours. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Deletes every stored context (shutdown). */
  close(): Promise<void>;
}

interface Entry {
  readonly path: string;
  readonly sha256: string;
  token: Buffer | undefined;
  spent: boolean;
}

const PATH = /^\/contexts\/([a-z0-9-]{1,63})$/;

/** Creates a ContextStore keeping files under `options.dir`. */
export function createContextStore(options: ContextStoreOptions): ContextStore {
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const entries = new Map<string, Entry>();
  const base = options.baseUrl.replace(/\/+$/, "");

  async function remove(id: string): Promise<void> {
    const entry = entries.get(id);
    entries.delete(id);
    if (entry !== undefined) await rm(entry.path, { force: true });
  }

  return {
    async prepare(buildId, archive) {
      if (!isDns1123Label(buildId))
        throw new ValidationError("INVALID_BUILD_ID", `build id "${buildId}" is not valid`);
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const path = join(options.dir, `${buildId}.tar`);
      const hash = createHash("sha256");
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > maxBytes) {
            done(
              new LimitExceededError(
                "CONTEXT_TOO_LARGE",
                `the build context is larger than ${maxBytes} bytes`,
                {
                  hint: "keep large files out of git, or list them in .dockerignore and remove them from the repo",
                },
              ),
            );
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(archive, meter, createWriteStream(path, { mode: 0o600 }));
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      const sha256 = hash.digest("hex");
      entries.set(buildId, { path, sha256, token: undefined, spent: false });
      return { sha256, size, release: () => remove(buildId) };
    },

    issue(buildId) {
      const entry = entries.get(buildId);
      if (entry === undefined) return undefined;
      // 32 random bytes: unguessable; compared in constant time.
      entry.token = randomBytes(32);
      entry.spent = false;
      return {
        url: `${base}/contexts/${buildId}?token=${entry.token.toString("base64url")}`,
        sha256: entry.sha256,
      };
    },

    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://context");
      const match = PATH.exec(url.pathname);
      if (match === null) return false;
      const id = match[1] ?? "";
      const entry = entries.get(id);
      const given = Buffer.from(url.searchParams.get("token") ?? "", "base64url");
      const token = entry?.token;
      const valid =
        token !== undefined && given.length === token.length && timingSafeEqual(given, token);
      if (req.method !== "GET" || entry === undefined || !valid) {
        // Unknown id and wrong token look the same: nothing to learn by guessing.
        res
          .writeHead(req.method === "GET" ? 404 : 405, { "content-type": "text/plain" })
          .end("not found\n");
        return true;
      }
      if (entry.spent) {
        res
          .writeHead(410, { "content-type": "text/plain" })
          .end("this build context was already downloaded\n");
        return true;
      }
      // Spent before the first byte: a second request racing this one gets 410.
      entry.spent = true;
      void stat(entry.path).then(
        (info) => {
          res.writeHead(200, {
            "content-type": "application/x-tar",
            "content-length": String(info.size),
          });
          pipeline(createReadStream(entry.path), res).catch(() => res.destroy());
        },
        () => res.writeHead(404).end(),
      );
      return true;
    },

    async close() {
      await Promise.allSettled([...entries.keys()].map(remove));
    },
  };
}
