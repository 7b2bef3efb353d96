import { UnavailableError } from "@qs/core";

/** Manifest media types we accept (Docker v2 and OCI, single and multi-platform). */
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Options for createRegistryClient. */
export interface RegistryClientOptions {
  /** Registry base URL as the control plane reaches it, e.g. `http://registry.qs-system.svc:5000`. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Per-request timeout. @defaultValue 15000 */
  readonly timeoutMs?: number;
}

/** One image in a repository: its digest, tags and creation time (from its config). */
export interface RegistryImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly created: string | undefined;
}

/** The registry HTTP API v2 (distribution) subset QuickStack needs. */
export interface RegistryClient {
  /** True when `repo@digest` exists (HEAD on the manifest). */
  manifestExists(repo: string, digest: string): Promise<boolean>;
  /**
   * Every repository the registry knows (`GET /v2/_catalog`), including ones whose images
   * were all deleted: distribution keeps the name until its garbage collection.
   */
  listRepositories(): Promise<readonly string[]>;
  /** Tags of a repository; empty when the repository does not exist. */
  listTags(repo: string): Promise<readonly string[]>;
  /** The digest a tag points at, or undefined. */
  resolveTag(repo: string, tag: string): Promise<string | undefined>;
  /** Images of a repository grouped by digest, newest first. */
  listImages(repo: string): Promise<readonly RegistryImage[]>;
  /** Deletes a manifest by digest; false when it was already gone. */
  deleteManifest(repo: string, digest: string): Promise<boolean>;
  /**
   * Deletes every image of `repo` except the newest `keep` and the `protect`ed digests;
   * resolves with the deleted digests. Blobs are freed by the registry's garbage collector.
   */
  prune(
    repo: string,
    options: { keep: number; protect?: readonly string[] },
  ): Promise<readonly string[]>;
}

/** Creates a RegistryClient with basic auth, following the token flow when the registry asks. */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = options.url.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 15_000;
  const basic =
    options.username === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`;
  /** Bearer tokens by scope (distribution token auth, docs/spec/auth/token.md). */
  const tokens = new Map<string, string>();

  async function request(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const send = (authorization: string | undefined): Promise<Response> =>
      fetch(`${base}${path}`, {
        method,
        headers: authorization === undefined ? headers : { ...headers, authorization },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "follow",
      });
    try {
      const cached = tokens.get(scope);
      let res = await send(cached === undefined ? basic : `Bearer ${cached}`);
      if (res.status === 401) {
        const challenge = res.headers.get("www-authenticate") ?? "";
        await res.body?.cancel();
        if (/^bearer /i.test(challenge)) {
          const token = await fetchToken(challenge, scope);
          tokens.set(scope, token);
          res = await send(`Bearer ${token}`);
        }
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new UnavailableError(
          "REGISTRY_UNAUTHORIZED",
          `the registry refused the credentials (${res.status})`,
          {
            hint: "check QS_REGISTRY_USERNAME / QS_REGISTRY_PASSWORD",
          },
        );
      }
      return res;
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError(
        "REGISTRY_UNAVAILABLE",
        `the registry at ${base} is not reachable: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async function fetchToken(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries(
      [...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    if (params.realm === undefined) throw new Error("bearer challenge without realm");
    const url = new URL(params.realm);
    if (params.service !== undefined) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? scope);
    const res = await fetch(url, {
      headers: basic === undefined ? {} : { authorization: basic },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 401 || res.status === 403) {
      throw new UnavailableError(
        "REGISTRY_UNAUTHORIZED",
        `the registry's token service refused the credentials (${res.status})`,
        {
          hint: "check QS_REGISTRY_USERNAME / QS_REGISTRY_PASSWORD",
        },
      );
    }
    if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (token === undefined) throw new Error("token endpoint returned no token");
    return token;
  }

  const pull = (repo: string): string => `repository:${repo}:pull`;
  /** Pagination: RFC 5988 Link header, `<url>; rel="next"`; undefined on the last page. */
  const nextPage = (res: Response): string | undefined => {
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
    if (next === undefined) return undefined;
    return next.startsWith("http") ? new URL(next).pathname + new URL(next).search : next;
  };
  const unexpected = async (res: Response, what: string): Promise<never> => {
    const text = (await res.text()).slice(0, 200);
    throw new UnavailableError("REGISTRY_ERROR", `registry ${what}: HTTP ${res.status} ${text}`);
  };

  const client: RegistryClient = {
    async manifestExists(repo, digest) {
      const res = await request("HEAD", `/v2/${repo}/manifests/${digest}`, pull(repo), {
        accept: MANIFEST_TYPES,
      });
      if (res.status === 404) return false;
      if (!res.ok) return unexpected(res, `HEAD ${repo}@${digest}`);
      return true;
    },

    async listRepositories() {
      const repos: string[] = [];
      let path: string | undefined = "/v2/_catalog?n=1000";
      while (path !== undefined) {
        const res = await request("GET", path, "registry:catalog:*");
        if (!res.ok) return unexpected(res, "catalog");
        const body = (await res.json()) as { repositories?: string[] | null };
        repos.push(...(body.repositories ?? []));
        path = nextPage(res);
      }
      return repos;
    },

    async listTags(repo) {
      const tags: string[] = [];
      let path: string | undefined = `/v2/${repo}/tags/list?n=1000`;
      while (path !== undefined) {
        const res = await request("GET", path, pull(repo));
        if (res.status === 404) return [];
        if (!res.ok) return unexpected(res, `tags of ${repo}`);
        const body = (await res.json()) as { tags?: string[] | null };
        tags.push(...(body.tags ?? []));
        path = nextPage(res);
      }
      return tags;
    },

    async resolveTag(repo, tag) {
      const res = await request("HEAD", `/v2/${repo}/manifests/${tag}`, pull(repo), {
        accept: MANIFEST_TYPES,
      });
      if (res.status === 404) return undefined;
      if (!res.ok) return unexpected(res, `HEAD ${repo}:${tag}`);
      return res.headers.get("docker-content-digest") ?? undefined;
    },

    async listImages(repo) {
      const byDigest = new Map<string, { tags: string[]; created: string | undefined }>();
      for (const tag of await client.listTags(repo)) {
        const res = await request("GET", `/v2/${repo}/manifests/${tag}`, pull(repo), {
          accept: MANIFEST_TYPES,
        });
        if (res.status === 404) continue;
        if (!res.ok) return unexpected(res, `manifest ${repo}:${tag}`);
        const digest = res.headers.get("docker-content-digest");
        const manifest = (await res.json()) as { config?: { digest?: string } };
        if (digest === null) continue;
        const known = byDigest.get(digest);
        if (known !== undefined) {
          known.tags.push(tag);
          continue;
        }
        byDigest.set(digest, {
          tags: [tag],
          created: await createdOf(repo, manifest.config?.digest),
        });
      }
      return [...byDigest.entries()]
        .map(([digest, v]) => ({ digest, tags: v.tags, created: v.created }))
        .sort((a, b) => (b.created ?? "").localeCompare(a.created ?? ""));
    },

    async deleteManifest(repo, digest) {
      const res = await request(
        "DELETE",
        `/v2/${repo}/manifests/${digest}`,
        `repository:${repo}:delete`,
      );
      if (res.status === 404) return false;
      if (res.status === 405) {
        await res.body?.cancel();
        throw new UnavailableError(
          "REGISTRY_DELETE_DISABLED",
          "the registry does not allow deletes",
          {
            hint: "enable storage.delete in the registry's configuration",
          },
        );
      }
      if (!res.ok) return unexpected(res, `DELETE ${repo}@${digest}`);
      await res.body?.cancel();
      return true;
    },

    async prune(repo, { keep, protect = [] }) {
      const images = await client.listImages(repo);
      const deleted: string[] = [];
      for (const image of images.slice(Math.max(keep, 0))) {
        if (protect.includes(image.digest)) continue;
        if (await client.deleteManifest(repo, image.digest)) deleted.push(image.digest);
      }
      return deleted;
    },
  };

  async function createdOf(
    repo: string,
    configDigest: string | undefined,
  ): Promise<string | undefined> {
    if (configDigest === undefined) return undefined;
    const res = await request("GET", `/v2/${repo}/blobs/${configDigest}`, pull(repo));
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const config = (await res.json()) as { created?: unknown };
    return typeof config.created === "string" ? config.created : undefined;
  }

  return client;
}
