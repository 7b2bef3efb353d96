import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { registryName, toolDirs } from "../src/layout.ts";
import { MADE_FROM } from "./images.ts";
import { imageLock, withMachineLock } from "./machine-lock.ts";
import { packImage, registryDigest, registryLabels, type ImageSpec } from "./pack.ts";
import { bookwormServers, debianRootfs, serversMadeFrom } from "./rootfs.ts";

// Database images for add-ons on the local cluster, made from Debian bookworm's packages
// (the official postgres/redis images cannot be pulled here). They are laid out like the
// official ones where the add-on renderer depends on it: the server binaries on PATH and
// the server user at uid/gid 999, which the StatefulSet runs as.
//
//   node test/cluster/builders/addon-images.ts   # make and push what the registry lacks


/** The references add-on pods use on the local cluster (QS_ADDON_IMAGES-style overrides). */
export const localAddonImages = {
  postgres: `${registryName}/library/postgres:15`,
  redis: `${registryName}/library/redis:7`,
  mariadb: `${registryName}/library/mariadb:10.11`,
} as const;

function fileIn(tarball: string, path: string): string {
  return execFileSync("tar", ["-xOf", tarball, `./${path}`], { encoding: "utf8" });
}

/** /etc/passwd and /etc/group with `user` moved to uid/gid 999, as in the official images. */
function at999(rootfs: string, user: string): Record<string, string> {
  const passwd = fileIn(rootfs, "etc/passwd").replace(
    new RegExp(`^${user}:x:\\d+:\\d+:`, "m"),
    `${user}:x:999:999:`,
  );
  const group = fileIn(rootfs, "etc/group").replace(
    new RegExp(`^${user}:x:\\d+:`, "m"),
    `${user}:x:999:`,
  );
  return { "/etc/passwd": passwd, "/etc/group": group };
}

function specs(log: (line: string) => void): (() => ImageSpec)[] {
  return [
    () => {
      const rootfs = debianRootfs(bookwormServers, log);
      return {
        ref: localAddonImages.postgres.slice(registryName.length + 1),
        layers: [rootfs, { texts: at999(rootfs, "postgres") }],
        env: [
          "PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "LANG=C.UTF-8",
        ],
        user: "999",
        cmd: ["postgres"],
        labels: {
          [MADE_FROM]: serversMadeFrom(rootfs, "postgresql-15"),
        },
      };
    },
    () => {
      const rootfs = debianRootfs(bookwormServers, log);
      return {
        ref: localAddonImages.redis.slice(registryName.length + 1),
        layers: [rootfs, { texts: at999(rootfs, "redis") }],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
        user: "999",
        cmd: ["redis-server"],
        labels: {
          [MADE_FROM]: serversMadeFrom(rootfs, "redis-server"),
        },
      };
    },
    () => {
      const rootfs = debianRootfs(bookwormServers, log);
      return {
        ref: localAddonImages.mariadb.slice(registryName.length + 1),
        layers: [rootfs, { texts: at999(rootfs, "mysql") }],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
        user: "999",
        cmd: ["mariadbd"],
        labels: {
          [MADE_FROM]: serversMadeFrom(rootfs, "mariadb-server"),
        },
      };
    },
  ];
}

/** Makes and pushes the add-on images the registry lacks (or holds from other packages). */
export async function ensureAddonImages(
  log: (line: string) => void = (l) => console.log(l),
): Promise<void> {
  const crane = join(toolDirs(true).crane ?? "", "crane");
  if (!existsSync(crane)) throw new Error("crane is missing: run bash test/cluster/build.sh");
  for (const make of specs(log)) {
    const spec = make();
    // Three suites want these at once: one of them makes each image (machine-lock.ts).
    await withMachineLock(imageLock(spec.ref), async () => {
      const have = await registryDigest(spec.ref);
      if (have !== undefined && (await registryLabels(spec.ref))[MADE_FROM] === spec.labels?.[MADE_FROM]) return;
      log(`-----> making ${spec.ref}`);
      packImage(crane, spec);
    }, log);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await ensureAddonImages();
