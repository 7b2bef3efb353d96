import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ports } from "../src/layout.ts";
import { cacheDir } from "./rootfs.ts";

// A small OCI image packer on top of crane: layers are tarballs (a cached root
// filesystem, or a tree staged from files on this machine), the config is set with
// `crane mutate`. The image is assembled under a staging tag and only then tagged with
// its real name, so a run stopped half-way never leaves a tag that looks complete.

/** A tree to pack into one layer. */
export interface Tree {
  /** Path in the image → file on this machine (copied, mode kept unless `modes` says). */
  readonly files?: Readonly<Record<string, string>>;
  /** Path in the image → folder on this machine, copied whole. */
  readonly dirs?: Readonly<Record<string, string>>;
  /** Path in the image → symlink target. */
  readonly links?: Readonly<Record<string, string>>;
  /** Path in the image → text content. */
  readonly texts?: Readonly<Record<string, string>>;
  /** Empty folders to create. */
  readonly empty?: readonly string[];
  /** Path in the image → mode (files and folders above). */
  readonly modes?: Readonly<Record<string, number>>;
  /** Path in the image → `uid:gid` (everything else is root's). */
  readonly owners?: Readonly<Record<string, string>>;
  /** Path in the image → file capabilities in setcap(8) form, e.g. `cap_setuid=ep`. */
  readonly capabilities?: Readonly<Record<string, string>>;
}

/** What a packed image is made of. */
export interface ImageSpec {
  /** Repository and tag under the registry, e.g. `library/node:24-trixie-slim`. */
  readonly ref: string;
  /** Layers in order: a tarball path, or a tree staged here. */
  readonly layers: readonly (string | Tree)[];
  readonly env?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const loopback = (ref: string): string => `127.0.0.1:${ports.registry}/${ref}`;

/** The digest of `ref` in the loopback registry, or undefined when it has no such tag. */
export async function registryDigest(ref: string): Promise<string | undefined> {
  const colon = ref.lastIndexOf(":");
  const res = await fetch(
    `http://127.0.0.1:${ports.registry}/v2/${ref.slice(0, colon)}/manifests/${ref.slice(colon + 1)}`,
    {
      method: "HEAD",
      headers: {
        Accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    },
  );
  return res.ok ? (res.headers.get("docker-content-digest") ?? undefined) : undefined;
}

/** The labels of `ref`'s image config in the loopback registry ({} when it has none). */
export async function registryLabels(ref: string): Promise<Record<string, string>> {
  const colon = ref.lastIndexOf(":");
  const base = `http://127.0.0.1:${ports.registry}/v2/${ref.slice(0, colon)}`;
  const manifest = (await (
    await fetch(`${base}/manifests/${ref.slice(colon + 1)}`, {
      headers: {
        Accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    })
  ).json()) as { config?: { digest?: string } };
  if (manifest.config?.digest === undefined) return {};
  const config = (await (await fetch(`${base}/blobs/${manifest.config.digest}`)).json()) as {
    config?: { Labels?: Record<string, string> | null };
  };
  return config.config?.Labels ?? {};
}

/** Stages `tree` in a folder and tars it (root-owned, numeric ids) to `out`. */
export function tarTree(tree: Tree, out: string): void {
  const root = mkdtempSync(join(tmpdir(), "qs-layer-"));
  // mkdtemp makes 0700; the layer's `./` entry would make the image's / unreadable to
  // every user but root (`fork/exec /bin/sh: permission denied` after USER node).
  chmodSync(root, 0o755);
  try {
    const at = (p: string): string => join(root, p);
    for (const dir of tree.empty ?? []) mkdirSync(at(dir), { recursive: true });
    for (const [path, source] of Object.entries(tree.files ?? {})) {
      mkdirSync(dirname(at(path)), { recursive: true });
      copyFileSync(source, at(path));
    }
    for (const [path, source] of Object.entries(tree.dirs ?? {})) {
      mkdirSync(dirname(at(path)), { recursive: true });
      cpSync(source, at(path), { recursive: true, verbatimSymlinks: true });
    }
    for (const [path, target] of Object.entries(tree.links ?? {})) {
      mkdirSync(dirname(at(path)), { recursive: true });
      symlinkSync(target, at(path));
    }
    for (const [path, text] of Object.entries(tree.texts ?? {})) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), text);
    }
    for (const [path, mode] of Object.entries(tree.modes ?? {})) chmodSync(at(path), mode);
    execFileSync("chown", ["-R", "--no-dereference", "0:0", root]);
    for (const [path, owner] of Object.entries(tree.owners ?? {})) {
      execFileSync("chown", ["--no-dereference", owner, at(path)]);
    }
    // After chown, which clears file capabilities.
    for (const [path, caps] of Object.entries(tree.capabilities ?? {})) {
      execFileSync("setcap", [caps, at(path)]);
    }
    execFileSync("tar", [
      "--numeric-owner",
      // File capabilities are the security.capability extended attribute.
      "--xattrs",
      "--xattrs-include=security.capability",
      "--sort=name",
      "--mtime=@0",
      // --xattrs makes a POSIX archive, whose headers hold each file's atime and ctime: without
      // these the same tree packed twice differed, so every run made a new node image digest
      // and BuildKit's layer cache never hit for the control-plane image built on it.
      "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
      "-C",
      root,
      "-cf",
      out,
      ".",
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs crane against the plain-HTTP loopback registry; throws with its stderr. */
function crane(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, ["--insecure", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`crane ${args[0] ?? ""} failed: ${stderr.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * `tarball` gzipped, cached beside it (cached tarballs never change: their names are keys).
 * crane takes a gzipped layer as it is; given the tar it compresses it again on every push,
 * about 10 s of CPU for a server root filesystem, to find the registry has it already.
 */
function compressed(tarball: string): string {
  if (!tarball.startsWith(`${cacheDir}/`) || !tarball.endsWith(".tar")) return tarball;
  const gz = `${tarball}.gz`;
  if (!existsSync(gz)) {
    const part = `${gz}.${process.pid}.part`;
    execFileSync("sh", ["-c", 'gzip -n -1 -c "$1" > "$2"', "sh", tarball, part]);
    renameSync(part, gz);
  }
  return gz;
}

/** Packs `spec` and pushes it to the loopback registry; returns its digest. */
export function packImage(craneBin: string, spec: ImageSpec): string {
  const work = mkdtempSync(join(tmpdir(), "qs-image-"));
  const staging = `${spec.ref}-staging`;
  try {
    const layers = spec.layers.map((layer, i) => {
      if (typeof layer === "string") return compressed(layer);
      const out = join(work, `layer-${i}.tar`);
      tarTree(layer, out);
      return out;
    });
    crane(craneBin, [
      "append",
      "--platform",
      "linux/amd64",
      ...layers.flatMap((l) => ["-f", l]),
      "-t",
      loopback(staging),
    ]);
    // crane's empty base has no os/architecture, which some clients refuse.
    const args = [
      "mutate",
      loopback(staging),
      "-t",
      loopback(spec.ref),
      "--set-platform",
      "linux/amd64",
    ];
    if (spec.entrypoint) args.push("--entrypoint", spec.entrypoint.join(","));
    if (spec.cmd) args.push("--cmd", spec.cmd.join(","));
    if (spec.workdir !== undefined) args.push("--workdir", spec.workdir);
    if (spec.user !== undefined) args.push("--user", spec.user);
    for (const e of spec.env ?? []) args.push("--env", e);
    for (const [k, v] of Object.entries(spec.labels ?? {})) args.push("--label", `${k}=${v}`);
    crane(craneBin, args);
    const digest = crane(craneBin, ["digest", loopback(spec.ref)]);
    // The registry deletes manifests by digest only (a tag is refused: DIGEST_INVALID).
    const stagingDigest = crane(craneBin, ["digest", loopback(staging)]);
    if (stagingDigest !== digest) {
      crane(craneBin, [
        "delete",
        loopback(`${staging.slice(0, staging.lastIndexOf(":"))}@${stagingDigest}`),
      ]);
    }
    return digest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
