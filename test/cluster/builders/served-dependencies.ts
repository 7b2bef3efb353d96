import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { net } from "../src/layout.ts";
import { TOOL_VERSIONS, type BuildMirrors } from "@qs/builder";
import { cacheDir, debianMirror } from "./rootfs.ts";

// Builder pods reach no package registry here, so an app with dependencies gets them from
// the node address, the way a user with a private index or registry would point their app
// at it: pip's requirements-file options (`--no-index --find-links … --trusted-host …`)
// and npm's `.npmrc` `registry=`. The packages themselves are fetched on this machine by
// name, with pip and npm, and cached under .tools/builders/ (only the first run downloads).

/**
 * The python-pip fixture's requirements (flask, gunicorn) with every dependency pinned:
 * the fixture pins the two it names, the rest are pinned here so a build is repeatable.
 */
export const FLASK_WHEELS = [
  "flask==3.1.0",
  "gunicorn==23.0.0",
  "blinker==1.9.0",
  "click==8.5.1",
  "itsdangerous==2.2.0",
  "jinja2==3.1.6",
  "markupsafe==3.0.4",
  "packaging==26.4",
  "werkzeug==3.1.9",
] as const;

/** The node-prepare fixture's one (dev) dependency, at its lockfile's version. */
export const HUSKY = ["husky@9.1.7"] as const;

/** A folder under the cache made once by `make` (into a temporary folder, then renamed). */
function cached(name: string, make: (dir: string) => void): string {
  const dir = join(cacheDir, name);
  if (existsSync(dir)) return dir;
  const part = `${dir}.part`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  make(part);
  renameSync(part, dir);
  return dir;
}

const key = (parts: readonly string[]): string =>
  createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 12);

/**
 * Wheels of `requirements` for CPython `python` (`3.13`) on x86_64 Linux, binary only
 * (the image has no compiler), without resolving further: the list must be complete.
 */
export function wheelhouse(
  requirements: readonly string[],
  python: string,
  options: { resolve?: boolean } = {},
): string {
  const resolve = options.resolve === true;
  const name = `wheels-cp${python.replace(".", "")}-${resolve ? "resolved-" : ""}${key(requirements)}`;
  return cached(name, (dir) => {
    execFileSync(
      "python3",
      [
        ...["-m", "pip", "download", "--quiet", "--only-binary=:all:"],
        ...(resolve ? [] : ["--no-deps"]),
        // Each tag is matched as written (pip 23 does not widen manylinux_2_X to older
        // glibc); trixie's glibc 2.41 runs all of these.
        ...(resolve
          ? MANYLINUX.flatMap((tag) => ["--platform", tag])
          : ["--platform", "manylinux2014_x86_64"]),
        ...["--python-version", python, "--implementation", "cp", "--dest", dir, ...requirements],
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
  });
}

/** Linux wheel platforms for resolved downloads (uv and Poetry's dependencies use several). */
const MANYLINUX = [
  "manylinux2014_x86_64",
  "manylinux_2_17_x86_64",
  "manylinux_2_27_x86_64",
  "manylinux_2_28_x86_64",
  "manylinux_2_34_x86_64",
] as const;

/** The tools the generated Dockerfiles install with pip, with everything they depend on. */
export const PYTHON_TOOLS = [
  `uv==${TOOL_VERSIONS.uv}`,
  `poetry==${TOOL_VERSIONS.poetry}`,
  `poetry-plugin-export==${TOOL_VERSIONS.poetryExport}`,
] as const;

/** `name==version` of every package a uv.lock pins from a registry (not the project itself). */
export function uvLockPins(lockfile: string): string[] {
  return readFileSync(lockfile, "utf8")
    .split("[[package]]")
    .slice(1)
    .filter((block) => /^source = \{ registry = /m.test(block))
    .map((block) => {
      const name = /^name = "([^"]+)"/m.exec(block)?.[1];
      const version = /^version = "([^"]+)"/m.exec(block)?.[1];
      if (name === undefined || version === undefined) throw new Error(`uv.lock: ${block}`);
      return `${name}==${version}`;
    });
}

/** PEP 503 project name: lower case, runs of `-_.` as one `-`. */
const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");

/** The Debian release the local base images are made from (images.ts). */
export const DEBIAN_SUITE = "trixie";

/**
 * A Debian archive holding `packages` (binary, amd64) as apt sees it through a mirror:
 * the suite's real signed InRelease and its main Packages index (also at its by-hash
 * path, which apt asks for), and each package's .deb at its pool path — fetched from this
 * machine's Debian mirror, hashes checked against InRelease and the index.
 */
export function debianArchive(suite: string, packages: readonly string[]): string {
  return cached(`apt-${suite}-${key(packages)}`, (dir) => {
    const mirror = debianMirror();
    const get = (path: string): Buffer =>
      execFileSync("curl", ["-fsSL", "--retry", "3", `${mirror}/${path}`], {
        maxBuffer: 256 * 1024 * 1024,
      });
    const put = (path: string, data: Buffer): void => {
      mkdirSync(join(dir, "debian", path, ".."), { recursive: true });
      writeFileSync(join(dir, "debian", path), data);
    };
    const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");
    const inRelease = get(`dists/${suite}/InRelease`);
    put(`dists/${suite}/InRelease`, inRelease);
    const hashes = inRelease.toString("utf8").split(/^SHA256:$/m)[1] ?? "";
    // apt-get update fails on a missing Translation-en as on a missing Packages index.
    const indexes = ["main/binary-amd64/Packages.xz", "main/i18n/Translation-en.xz"];
    const [xz] = indexes.map((index) => {
      const pattern = `^ ([0-9a-f]{64}) +\\d+ ${index.replaceAll(".", "\\.")}$`;
      const want = new RegExp(pattern, "m").exec(hashes)?.[1];
      if (want === undefined) throw new Error(`${suite} InRelease lists no ${index}`);
      const data = get(`dists/${suite}/${index}`);
      if (sha256(data) !== want) throw new Error(`${index}: sha256 differs from InRelease`);
      put(`dists/${suite}/${index}`, data);
      put(`dists/${suite}/${index.slice(0, index.lastIndexOf("/"))}/by-hash/SHA256/${want}`, data);
      return data;
    });
    if (xz === undefined) throw new Error("no Packages index");
    const text = execFileSync("xz", ["-dc"], { input: xz, maxBuffer: 512 * 1024 * 1024 }).toString("utf8");
    for (const name of packages) {
      const block = text.split("\n\n").find((b) => b.startsWith(`Package: ${name}\n`));
      const file = block === undefined ? undefined : /^Filename: (\S+)$/m.exec(block)?.[1];
      const hash = block === undefined ? undefined : /^SHA256: (\S+)$/m.exec(block)?.[1];
      if (file === undefined || hash === undefined) throw new Error(`${suite} has no ${name}`);
      const deb = get(file);
      if (sha256(deb) !== hash) throw new Error(`${file}: sha256 differs from the index`);
      put(file, deb);
    }
  });
}

/**
 * Go modules (`path@version`) as a module proxy serves them: the go command's download
 * cache (`list`, `.info`, `.mod`, `.zip` under `<path>/@v/`) is the GOPROXY protocol's own
 * layout, so `go mod download` into a scratch GOMODCACHE makes it. Fetched through this
 * machine's Go module proxy, checked against the checksum database by the go command.
 */
export function goModules(modules: readonly string[]): string {
  return cached(`go-${key(modules)}`, (dir) => {
    const scratch = `${dir}.modcache`;
    rmSync(scratch, { recursive: true, force: true });
    try {
      execFileSync("go", ["mod", "download", ...modules], {
        cwd: cacheDir,
        env: { ...process.env, GOMODCACHE: scratch, GOFLAGS: "-modcacherw" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      renameSync(join(scratch, "cache/download"), join(dir, "download"));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}

/** npm tarballs of `specs` (`name@version`) as the registry serves them (same integrity). */
export function npmTarballs(specs: readonly string[]): string {
  return cached(`npm-${key(specs)}`, (dir) => {
    execFileSync("npm", ["pack", "--quiet", "--pack-destination", dir, ...specs], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  });
}

/** The HTTP server on the node address that builder pods get dependencies from. */
export interface DependencyServer {
  /**
   * The same packages as the product's build mirrors (QS_BUILD_*): an npm registry with
   * version documents for corepack, a PEP 503 index of every served wheel, and the
   * Debian archive under `debian/`.
   */
  readonly mirrors: BuildMirrors;
  /** The paths asked for under the Go module proxy (`/go/…`), oldest first. */
  readonly goRequests: readonly string[];
  /** Lines to put before a requirements.txt's own: pip installs from the served wheels only. */
  readonly pipOptions: string;
  /** An `.npmrc` pointing npm at the served packages (no audit: there is no registry). */
  readonly npmrc: string;
  close(): Promise<void>;
}

interface NpmPackage {
  /** The tarball's package.json: npm links `bin` and installs `dependencies` from it. */
  readonly manifest: Record<string, unknown>;
  readonly file: string;
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly shasum: string;
}

function readNpmPackages(dir: string): Map<string, NpmPackage[]> {
  const packages = new Map<string, NpmPackage[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".tgz"))) {
    const data = readFileSync(join(dir, file));
    const manifest = JSON.parse(
      execFileSync("tar", ["-xzOf", join(dir, file), "package/package.json"], { encoding: "utf8" }),
    ) as { name: string; version: string } & Record<string, unknown>;
    const entry: NpmPackage = {
      manifest,
      file,
      path: join(dir, file),
      name: manifest.name,
      version: manifest.version,
      integrity: `sha512-${createHash("sha512").update(data).digest("base64")}`,
      shasum: createHash("sha1").update(data).digest("hex"),
    };
    packages.set(entry.name, [...(packages.get(entry.name) ?? []), entry]);
  }
  return packages;
}

/**
 * Serves `wheels` (a pip find-links page at /wheels/) and `npm` (a registry's packuments
 * and tarballs under /npm/) on the node address, where builder pods reach it.
 */
export async function startDependencyServer(dirs: {
  wheels?: string;
  npm?: string;
  /** More wheel folders, served by the PEP 503 index only. */
  index?: readonly string[];
  /** More npm tarball folders (npmTarballs). */
  npmMore?: readonly string[];
  /** A debianArchive() folder. */
  debian?: string;
  /** A goModules() folder, served as a Go module proxy under /go/. */
  go?: string;
}): Promise<DependencyServer> {
  const goRequests: string[] = [];
  const wheels =
    dirs.wheels === undefined ? [] : readdirSync(dirs.wheels).filter((f) => f.endsWith(".whl"));
  const npm = new Map<string, NpmPackage[]>();
  for (const dir of [...(dirs.npm === undefined ? [] : [dirs.npm]), ...(dirs.npmMore ?? [])]) {
    for (const [name, list] of readNpmPackages(dir)) npm.set(name, [...(npm.get(name) ?? []), ...list]);
  }
  // The PEP 503 index: every wheel of every folder, by normalized project name.
  const indexed = new Map<string, { file: string; path: string; sha256: string }[]>();
  for (const dir of [...(dirs.wheels === undefined ? [] : [dirs.wheels]), ...(dirs.index ?? [])]) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".whl"))) {
      const project = normalize(file.split("-")[0] ?? "");
      const path = join(dir, file);
      const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
      const list = indexed.get(project) ?? [];
      if (!list.some((w) => w.file === file)) indexed.set(project, [...list, { file, path, sha256 }]);
    }
  }
  let base = "";
  const sendFile = (res: ServerResponse, path: string): void => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(path).pipe(res);
  };
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (url === "/wheels/" && dirs.wheels !== undefined) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(wheels.map((w) => `<a href="${w}">${w}</a><br>`).join("\n"));
      return;
    }
    const wheel = wheels.find((w) => url === `/wheels/${w}`);
    if (wheel !== undefined && dirs.wheels !== undefined)
      return sendFile(res, join(dirs.wheels, wheel));
    if (url === "/pypi/simple/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end([...indexed.keys()].map((p) => `<a href="${p}/">${p}</a><br>`).join("\n"));
      return;
    }
    const project = /^\/pypi\/simple\/([^/]+)\/$/.exec(url)?.[1];
    const listed = project === undefined ? undefined : indexed.get(normalize(project));
    if (listed !== undefined) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        listed
          .map((w) => `<a href="../../files/${w.file}#sha256=${w.sha256}">${w.file}</a><br>`)
          .join("\n"),
      );
      return;
    }
    const file = [...indexed.values()].flat().find((w) => url === `/pypi/files/${w.file}`);
    if (file !== undefined) return sendFile(res, file.path);
    if (dirs.go !== undefined && url.startsWith("/go/") && !url.includes("..")) {
      goRequests.push(url);
      // Anything else is 404: a module not served, or the checksum database (/sumdb/…),
      // which the go command then asks directly (not needed while go.sum lists a module).
      const path = join(dirs.go, "download", url.slice("/go/".length));
      if (existsSync(path) && statSync(path).isFile()) return sendFile(res, path);
      return void res.writeHead(404).end();
    }
    if (dirs.debian !== undefined && url.startsWith("/apt/debian/") && !url.includes("..")) {
      const path = join(dirs.debian, url.slice("/apt/".length));
      if (existsSync(path) && statSync(path).isFile()) return sendFile(res, path);
    }
    const packages = [...npm.values()].flat();
    const tarball = packages.find((p) => url === `/npm/${p.name}/-/${p.file}`);
    if (tarball !== undefined) return sendFile(res, tarball.path);
    // /npm/<name> (packument), /npm/<name>/<version> and /npm/<name>/latest (what corepack asks).
    const name = [...npm.keys()].find((n) => url === `/npm/${n}` || url.startsWith(`/npm/${n}/`));
    const versions = name === undefined ? undefined : npm.get(name);
    if (name !== undefined && versions !== undefined) {
      const doc = (p: NpmPackage) => ({
        ...p.manifest,
        name,
        version: p.version,
        dist: {
          tarball: `${base}/npm/${name}/-/${p.file}`,
          integrity: p.integrity,
          shasum: p.shasum,
        },
      });
      const rest = url.slice(`/npm/${name}`.length);
      const latest = versions.at(-1);
      const one =
        rest === "/latest" ? latest : versions.find((p) => rest === `/${p.version}`);
      if (rest !== "" && one === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          one !== undefined
            ? doc(one)
            : {
                name,
                "dist-tags": { latest: latest?.version },
                versions: Object.fromEntries(versions.map((p) => [p.version, doc(p)])),
              },
        ),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, net.nodeIp, () => resolve());
  });
  base = `http://${net.nodeIp}:${(server.address() as AddressInfo).port}`;
  return {
    pipOptions: `--no-index\n--find-links ${base}/wheels/\n--trusted-host ${net.nodeIp}\n`,
    npmrc: `registry=${base}/npm/\naudit=false\nfund=false\nupdate-notifier=false\n`,
    mirrors: {
      npmRegistry: `${base}/npm/`,
      pypiIndex: `${base}/pypi/simple/`,
      ...(dirs.debian === undefined ? {} : { aptMirror: `${base}/apt/` }),
      ...(dirs.go === undefined ? {} : { goProxy: `${base}/go/` }),
    },
    goRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
