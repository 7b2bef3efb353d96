import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ports, registryName, repoRoot, toolDirs } from "../src/layout.ts";
import { ensureBuilderImages, MADE_FROM } from "./images.ts";
import { imageLock, withMachineLock } from "./machine-lock.ts";
import { packImage, registryDigest, registryLabels, tarTree, type ImageSpec } from "./pack.ts";
import { bookwormServers, cacheDir, debianRootfs, packageVersion, serversMadeFrom } from "./rootfs.ts";

// The images deploy/ runs, made on this machine (none can be pulled here) and pushed to the
// loopback registry, so `kubectl apply -k deploy/` runs for real on the local cluster:
//   - the control plane, built by `npm run image` (deploy/image/build.sh, BuildKit here)
//     from the Dockerfile, on the locally made node:24-trixie-slim (builders/images.ts);
//   - Redis and the registry (distribution) from Debian bookworm's redis-server and
//     docker-registry, laid out as the official images where deploy/ depends on it.
// Each reference is returned pinned by digest, as install.sh pins what it pulls.
//
//   node test/cluster/builders/platform-images.ts   # make what the registry lacks, print the refs


/** The image references (under registryName) pods use, pinned by digest. */
export interface PlatformImages {
  readonly controlPlane: string;
  readonly redis: string;
  readonly registry: string;
}

const loopback = (ref: string): string => `127.0.0.1:${ports.registry}/${ref}`;

/** `ref@digest` under the name pods use. */
const pinned = (ref: string, digest: string): string =>
  `${registryName}/${ref.slice(0, ref.lastIndexOf(":"))}@${digest}`;

/** Upstream distribution's /etc/docker/registry/config.yml (the REGISTRY_* env overrides it). */
const REGISTRY_CONFIG = `version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`;

/** Upstream's entrypoint: a config file argument means `registry serve <file>`. */
const REGISTRY_ENTRYPOINT = `#!/bin/sh
set -e
case "$1" in
  *.yaml|*.yml) set -- registry serve "$@" ;;
  serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac
exec "$@"
`;

function platformSpecs(log: (line: string) => void): (() => ImageSpec)[] {
  const path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return [
    () => {
      // The add-on images' rootfs (cached once). deploy/ runs it as uid 999 with its own
      // command and config; redis-cli (redis-tools) is the readiness probe.
      const rootfs = debianRootfs(bookwormServers, log);
      const version = packageVersion(rootfs, "redis-server");
      return {
        ref: `platform/redis:${/^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? "7"}`,
        layers: [rootfs],
        env: [path, "LANG=C.UTF-8"],
        user: "999",
        cmd: ["redis-server"],
        labels: { [MADE_FROM]: serversMadeFrom(rootfs, "redis-server") },
      };
    },
    () => {
      const rootfs = debianRootfs(bookwormServers, log);
      const version = packageVersion(rootfs, "docker-registry");
      return {
        ref: `platform/registry:${/^(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? "2"}`,
        layers: [
          rootfs,
          {
            // Upstream's name for the binary and its config path: deploy/'s garbage-collect
            // init container runs `registry garbage-collect /etc/docker/registry/config.yml`.
            links: { "/usr/local/bin/registry": "/usr/bin/docker-registry" },
            texts: {
              "/etc/docker/registry/config.yml": REGISTRY_CONFIG,
              "/entrypoint.sh": REGISTRY_ENTRYPOINT,
            },
            empty: ["/var/lib/registry"],
            modes: { "/entrypoint.sh": 0o755 },
          },
        ],
        env: [path],
        entrypoint: ["/entrypoint.sh"],
        cmd: ["/etc/docker/registry/config.yml"],
        labels: { [MADE_FROM]: serversMadeFrom(rootfs, "docker-registry") },
      };
    },
  ];
}

/**
 * sha256 of the committed files the build context holds (as .dockerignore filters it):
 * the image is made from HEAD, so edits in progress in the work tree cannot break it.
 */
function sourceHash(): string {
  const listing = execFileSync("git", ["ls-tree", "-r", "HEAD"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\n")
    .filter((line) => {
      const path = line.split("\t")[1] ?? "";
      if (path === "" || path.endsWith(".md") || path.endsWith(".test.ts")) return false;
      if (path === "scripts/build.ts" || path === "test/package.json") return true;
      return !/^(\.ci|\.github|deploy|scripts|test)\//.test(path);
    });
  return createHash("sha256").update(listing.join("\n")).digest("hex").slice(0, 12);
}

/**
 * The build base: the local node:24-trixie-slim plus this machine's CA bundle as
 * NODE_EXTRA_CA_CERTS, so `npm ci` in the Dockerfile trusts the same TLS roots as this
 * machine's own npm (a proxy here re-signs HTTPS). Only images made here carry it.
 */
async function buildBase(crane: string, log: (line: string) => void): Promise<string> {
  return withMachineLock(imageLock(BUILD_BASE), () => makeBuildBase(crane, log), log);
}

const BUILD_BASE = "quickstack/node-build-base:24-trixie-slim";

async function makeBuildBase(crane: string, log: (line: string) => void): Promise<string> {
  const node = "library/node:24-trixie-slim";
  let nodeDigest = await registryDigest(node);
  if (nodeDigest === undefined) {
    await ensureBuilderImages(log);
    nodeDigest = await registryDigest(node);
    if (nodeDigest === undefined) throw new Error(`${node} is missing after ensureBuilderImages`);
  }
  const caFile = process.env.NODE_EXTRA_CA_CERTS ?? "/etc/ssl/certs/ca-certificates.crt";
  const ca = existsSync(caFile) ? readFileSync(caFile) : Buffer.from("");
  const caHash = createHash("sha256").update(ca).digest("hex").slice(0, 12);
  const ref = BUILD_BASE;
  const madeFrom = `${node}@${nodeDigest} + CA bundle ${caHash}`;
  if (
    (await registryDigest(ref)) !== undefined &&
    (await registryLabels(ref))[MADE_FROM] === madeFrom
  ) {
    return `${loopback(ref.slice(0, ref.lastIndexOf(":")))}@${(await registryDigest(ref)) ?? ""}`;
  }
  log(`-----> making ${ref}`);
  const work = mkdtempSync(join(tmpdir(), "qs-base-"));
  try {
    const layer = join(work, "ca.tar");
    const caPath = "/usr/local/share/quickstack-build/ca-certificates.crt";
    tarTree(
      {
        files: caFile === "" || ca.length === 0 ? {} : { [caPath]: caFile },
        empty: ["/usr/local/share/quickstack-build"],
      },
      layer,
    );
    const run = (args: string[]): string =>
      execFileSync(crane, ["--insecure", ...args], { encoding: "utf8" }).trim();
    run(["append", "--base", loopback(`${node}@${nodeDigest}`), "-f", layer, "-t", loopback(ref)]);
    run([
      "mutate",
      loopback(ref),
      "-t",
      loopback(ref),
      ...(ca.length > 0 ? ["--env", `NODE_EXTRA_CA_CERTS=${caPath}`] : []),
      "--label",
      `${MADE_FROM}=${madeFrom}`,
    ]);
    const digest = run(["digest", loopback(ref)]);
    return `${loopback(ref.slice(0, ref.lastIndexOf(":")))}@${digest}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The control-plane image of HEAD, built by `npm run image` from `git archive HEAD` when
 * the registry does not hold it yet (tagged <version>-src.<hash of the build context>).
 */
async function controlPlaneImage(crane: string, log: (line: string) => void): Promise<string> {
  const version = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }
  ).version;
  const ref = `quickstack/control-plane:${version}-src.${sourceHash()}`;
  return withMachineLock(imageLock(ref), () => buildControlPlane(crane, ref, log), log);
}

async function buildControlPlane(crane: string, ref: string, log: (line: string) => void): Promise<string> {
  const have = await registryDigest(ref);
  if (have !== undefined) {
    log(`       ${ref} already in the registry (${have.slice(0, 19)})`);
    return pinned(ref, have);
  }
  const base = await buildBase(crane, log);
  const dirs = toolDirs(false);
  const t = Date.now();
  log(`-----> npm run image: ${ref} on ${base}`);
  // The build's output goes to a file; a failure shows its end.
  const logFile = join(cacheDir, "control-plane-build.log");
  mkdirSync(cacheDir, { recursive: true });
  const out = openSync(logFile, "w");
  const work = mkdtempSync(join(tmpdir(), "qs-control-plane-"));
  try {
    execFileSync("git", ["-C", repoRoot, "archive", "--output", join(work, "src.tar"), "HEAD"]);
    execFileSync("tar", ["-xf", join(work, "src.tar"), "-C", work]);
    execFileSync("bash", [join(work, "deploy/image/build.sh"), "--progress=plain"], {
      cwd: work,
      env: {
        ...process.env,
        // BuildKit (built with the cluster's tools) and the runc it runs build steps with.
        PATH: [dirs.buildkit, dirs.runc, process.env.PATH].filter(Boolean).join(":"),
        IMAGE: loopback(ref),
        NODE_IMAGE: base,
        BUILDKIT_STATE: join(repoRoot, ".tools/buildkit-state"),
      },
      stdio: ["ignore", out, out],
      timeout: 20 * 60_000,
    });
  } catch (err) {
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
    throw new Error(`npm run image failed (${logFile}):\n${tail}`, { cause: err });
  } finally {
    closeSync(out);
    rmSync(work, { recursive: true, force: true });
  }
  const digest = await registryDigest(ref);
  if (digest === undefined) throw new Error(`npm run image pushed no ${ref}`);
  log(`       built ${ref} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return pinned(ref, digest);
}

/** Makes what the registry lacks; returns every deploy/ image pinned by digest. */
export async function ensurePlatformImages(
  log: (line: string) => void = (l) => console.log(l),
): Promise<PlatformImages> {
  const crane = join(toolDirs(true).crane ?? "", "crane");
  if (!existsSync(crane)) throw new Error("crane is missing: run bash test/cluster/build.sh");
  const [redis, registry] = await Promise.all(
    platformSpecs(log).map(async (make) => {
      const spec = make();
      // Other suites may make the same image now: one at a time (machine-lock.ts).
      return withMachineLock(imageLock(spec.ref), async () => {
        let digest = await registryDigest(spec.ref);
        if (digest === undefined || (await registryLabels(spec.ref))[MADE_FROM] !== spec.labels?.[MADE_FROM]) {
          log(`-----> making ${spec.ref}`);
          digest = packImage(crane, spec);
        }
        return pinned(spec.ref, digest);
      }, log);
    }),
  );
  if (redis === undefined || registry === undefined) throw new Error("unreachable");
  return { controlPlane: await controlPlaneImage(crane, log), redis, registry };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const [k, v] of Object.entries(await ensurePlatformImages())) console.log(`${k}=${v}`);
}
