import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { registryName, toolDirs } from "../src/layout.ts";
import { imageLock, withMachineLock } from "./machine-lock.ts";
import { packImage, registryDigest, registryLabels } from "./pack.ts";
import { cacheDir, debianRootfs, packageVersion } from "./rootfs.ts";

// The backup engine's image (issue 18): restic from Debian trixie's package, on a minbase
// root filesystem (sh, coreutils' sha256sum, find) with the CA bundle, and Debian's busybox
// for the pre-backup hook's `busybox wget` (upstream's image is Alpine, whose busybox has
// it too). The tag is the Debian package version, so a mirror update makes a new image
// rather than moving a tag.
//
//   node test/cluster/builders/restic.ts   # make and push it when the registry lacks it

const MADE_FROM = "quickstack.dev/made-from";

/** What the image's root filesystem is made of. */
const ROOTFS = { suite: "trixie", include: ["ca-certificates", "restic", "busybox"] } as const;

/** Makes (when missing) and pushes the restic image; returns the reference pods use. */
export async function ensureResticImage(
  log: (line: string) => void = (l) => console.log(l),
): Promise<string> {
  const rootfs = debianRootfs(ROOTFS, log);
  const version = packageVersion(rootfs, "restic").replace(/[^\w.-]/g, "_");
  const ref = `backups/restic:${version}`;
  const label = `debian trixie restic ${version} (minbase, ca-certificates, busybox ${packageVersion(rootfs, "busybox")})`;
  return withMachineLock(imageLock(ref), () => make(ref, rootfs, label, log), log);
}

async function make(ref: string, rootfs: string, label: string, log: (line: string) => void): Promise<string> {
  const have = await registryDigest(ref);
  if (have !== undefined && (await registryLabels(ref))[MADE_FROM] === label)
    return `${registryName}/${ref}@${have}`;
  const crane = join(toolDirs(false).crane ?? "", "crane");
  if (!existsSync(crane)) throw new Error("crane is missing: run bash test/cluster/build.sh");
  log(`-----> making ${ref}`);
  const digest = packImage(crane, {
    ref,
    layers: [rootfs],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp"],
    labels: { [MADE_FROM]: label },
    entrypoint: ["/usr/bin/restic"],
  });
  return `${registryName}/${ref}@${digest}`;
}

/**
 * The restic binary of that image, for tests that run the engine on this machine (a static
 * Go binary: it runs outside its root filesystem).
 */
export function resticBinary(log: (line: string) => void = () => undefined): string {
  const rootfs = debianRootfs(ROOTFS, log);
  const version = packageVersion(rootfs, "restic").replace(/[^\w.-]/g, "_");
  const dir = join(cacheDir, `restic-${version}`);
  const bin = join(dir, "restic");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const part = `${bin}.${process.pid}.tmp`;
    writeFileSync(part, execFileSync("tar", ["-xOf", rootfs, "./usr/bin/restic"], { maxBuffer: 256 * 1024 * 1024 }));
    chmodSync(part, 0o755);
    execFileSync("mv", [part, bin]);
  }
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await ensureResticImage());
}
