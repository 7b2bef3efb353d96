import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { repoRoot } from "../src/layout.ts";
import { withMachineLockSync } from "./machine-lock.ts";

// Debian root filesystems for the base images, made with debootstrap from the mirror
// this machine's apt uses, and cached as tarballs under .tools/builders/ keyed by
// everything that goes into them: only the first run on a machine downloads packages.

/** Where packed layers and root filesystems are cached. */
export const cacheDir = join(repoRoot, ".tools/builders");

/** One debootstrap run: suite, variant and the extra packages. */
export interface RootfsSpec {
  readonly suite: string;
  /** Debian packages on top of minbase. */
  readonly include: readonly string[];
}

/**
 * Debian bookworm with every server the add-on, platform and test-app images run. They all
 * share it: one debootstrap on a new machine instead of one per server, and one layer that
 * the registry and containerd store once. Each image's own layer and command pick its server.
 */
export const bookwormServers: RootfsSpec = {
  suite: "bookworm",
  include: ["busybox", "docker-registry", "mariadb-server", "postgresql-15", "redis-server"],
};

/**
 * The Debian mirror apt is configured with here (deb822 or one-line sources). Only its
 * address is taken: the suite is the one the image names say (trixie), which the same
 * mirror serves even where apt itself tracks an older release.
 */
export function debianMirror(): string {
  const texts: string[] = [];
  for (const f of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (existsSync(f)) texts.push(readFileSync(f, "utf8"));
  }
  const text = texts.join("\n");
  const m =
    /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ??
    /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
  if (m?.[1] === undefined) {
    throw new Error("no Debian mirror found in /etc/apt/sources.list*: base images need one");
  }
  return m[1];
}

/** An image's made-from label: its server's package versions and the root filesystem they came in. */
export function serversMadeFrom(rootfs: string, ...pkgs: string[]): string {
  const versions = pkgs.map((pkg) => `${pkg} ${packageVersion(rootfs, pkg)}`).join(", ");
  return `${basename(rootfs, ".tar")} (minbase + ${bookwormServers.include.join(" ")}), ${versions}`;
}

/** The version of an installed package in a root filesystem tarball (its dpkg status). */
export function packageVersion(tarball: string, pkg: string): string {
  const status = execFileSync("tar", ["-xOf", tarball, "./var/lib/dpkg/status"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const block = status.split("\n\n").find((b) => b.startsWith(`Package: ${pkg}\n`));
  const version = block === undefined ? undefined : /^Version: (\S+)$/m.exec(block)?.[1];
  if (version === undefined) throw new Error(`${pkg} is not installed in ${tarball}`);
  return version;
}

/** The cached tarball of `spec`'s root filesystem, made with debootstrap when missing. */
export function debianRootfs(spec: RootfsSpec, log: (line: string) => void): string {
  const mirror = debianMirror();
  const key = createHash("sha256")
    .update(JSON.stringify({ mirror, suite: spec.suite, include: [...spec.include].sort() }))
    .digest("hex")
    .slice(0, 12);
  const tarball = join(cacheDir, `debian-${spec.suite}-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  // Suites in other workers may want the same one now: one makes it, the others wait.
  return withMachineLockSync(`rootfs-${spec.suite}-${key}`, () => {
    if (!existsSync(tarball)) debootstrap(spec, mirror, tarball, log);
    return tarball;
  }, log);
}

/** The folders mounted under `root` (a debootstrap that was killed leaves /proc and /sys). */
function mountsUnder(root: string): string[] {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " ") ?? "")
    .filter((point) => point.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

function debootstrap(spec: RootfsSpec, mirror: string, tarball: string, log: (line: string) => void): void {
  mkdirSync(cacheDir, { recursive: true });
  const root = tarball.replace(/\.tar$/, ".tmp");
  for (const point of mountsUnder(root)) execFileSync("umount", ["-l", point]);
  rmSync(root, { recursive: true, force: true });
  const t0 = Date.now();
  log(`debootstrap ${spec.suite} minbase + ${spec.include.join(" ") || "nothing"} (first run)`);
  execFileSync(
    "debootstrap",
    [
      "--variant=minbase",
      ...(spec.include.length > 0 ? [`--include=${spec.include.join(",")}`] : []),
      spec.suite,
      root,
      mirror,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  // What a slim image leaves out: apt lists, caches, logs, docs and man pages.
  for (const dir of [
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/log",
    "usr/share/doc",
    "usr/share/man",
  ]) {
    rmSync(join(root, dir), { recursive: true, force: true });
    mkdirSync(join(root, dir), { recursive: true });
  }
  execFileSync("tar", ["--numeric-owner", "-C", root, "-cf", `${tarball}.part`, "."]);
  renameSync(`${tarball}.part`, tarball);
  rmSync(root, { recursive: true, force: true });
  log(`rootfs ${spec.suite} made in ${Math.round((Date.now() - t0) / 1000)} s`);
}
