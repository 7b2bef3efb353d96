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
} from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { net } from "../src/layout.ts";
import { cacheDir } from "./rootfs.ts";

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
export function wheelhouse(requirements: readonly string[], python: string): string {
  return cached(`wheels-cp${python.replace(".", "")}-${key(requirements)}`, (dir) => {
    execFileSync(
      "python3",
      [
        ...["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"],
        ...["--platform", "manylinux2014_x86_64", "--python-version", python],
        ...["--implementation", "cp", "--dest", dir, ...requirements],
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
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
  /** Lines to put before a requirements.txt's own: pip installs from the served wheels only. */
  readonly pipOptions: string;
  /** An `.npmrc` pointing npm at the served packages (no audit: there is no registry). */
  readonly npmrc: string;
  close(): Promise<void>;
}

interface NpmPackage {
  readonly file: string;
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
    ) as { name: string; version: string };
    const entry: NpmPackage = {
      file,
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
}): Promise<DependencyServer> {
  const wheels =
    dirs.wheels === undefined ? [] : readdirSync(dirs.wheels).filter((f) => f.endsWith(".whl"));
  const npm = dirs.npm === undefined ? new Map<string, NpmPackage[]>() : readNpmPackages(dirs.npm);
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
    const tarball = [...npm.values()].flat().find((p) => url === `/npm/${p.name}/-/${p.file}`);
    if (tarball !== undefined && dirs.npm !== undefined)
      return sendFile(res, join(dirs.npm, tarball.file));
    const versions = npm.get(url.slice("/npm/".length));
    if (url.startsWith("/npm/") && versions !== undefined) {
      const name = versions[0]?.name ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          name,
          "dist-tags": { latest: versions.at(-1)?.version },
          versions: Object.fromEntries(
            versions.map((p) => [
              p.version,
              {
                name,
                version: p.version,
                dist: {
                  tarball: `${base}/npm/${name}/-/${p.file}`,
                  integrity: p.integrity,
                  shasum: p.shasum,
                },
              },
            ]),
          ),
        }),
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
