import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ports, registryName } from "./layout.ts";

// Images the node needs, made here (no image registry can be reached from these
// machines): each is a single layer packed from files on this machine and pushed to the
// loopback registry with crane. Pods name them under registryName, which containerd
// mirrors to that registry (the registries.yaml mechanism of k3s).

export interface LocalImage {
  /** Repository and tag under the registry, e.g. k8s/pause:3.10.1. */
  ref: string;
  /** Files to place: path in the image → source file on this machine. */
  files: Record<string, string>;
  /** Symlinks: path in the image → target. */
  links?: Record<string, string>;
  /** Extra text files: path → content. */
  texts?: Record<string, string>;
  entrypoint: string[];
  cmd?: string[];
  user?: string;
  env?: string[];
}

/** The image reference pods use for `image.ref`. */
export function imageName(ref: string): string {
  return `${registryName}/${ref}`;
}

const loopbackRef = (ref: string): string => `127.0.0.1:${ports.registry}/${ref}`;

/** Whether the loopback registry already has `ref`. */
export async function hasImage(ref: string): Promise<boolean> {
  const [repo, tag] = ref.split(":");
  const res = await fetch(`http://127.0.0.1:${ports.registry}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      Accept:
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  return res.ok;
}

/** Packs `image` into one layer and pushes it; returns the pushed digest. */
export function pushImage(crane: string, image: LocalImage): string {
  const work = mkdtempSync(join(tmpdir(), "qs-image-"));
  try {
    const root = join(work, "root");
    mkdirSync(root);
    for (const [path, source] of Object.entries(image.files)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      copyFileSync(source, join(root, path));
      chmodSync(join(root, path), 0o755);
    }
    for (const [path, target] of Object.entries(image.links ?? {})) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      symlinkSync(target, join(root, path));
    }
    for (const [path, text] of Object.entries(image.texts ?? {})) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    mkdirSync(join(root, "tmp"), { mode: 0o1777 });
    chmodSync(join(root, "tmp"), 0o1777);
    const layer = join(work, "layer.tar");
    execFileSync("tar", [
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      "-C",
      root,
      "-cf",
      layer,
      ".",
    ]);
    const target = loopbackRef(image.ref);
    execFileSync(
      crane,
      ["append", "--insecure", "--platform", "linux/amd64", "-f", layer, "-t", target],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const args = ["mutate", "--insecure", target, "--entrypoint", image.entrypoint.join(",")];
    if (image.cmd) args.push("--cmd", image.cmd.join(","));
    if (image.user) args.push("--user", image.user);
    for (const e of image.env ?? []) args.push("--env", e);
    execFileSync(crane, args, { stdio: ["ignore", "ignore", "pipe"] });
    return execFileSync(crane, ["digest", "--insecure", target], { encoding: "utf8" }).trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The node's own images: the sandbox (pause), CoreDNS, the local-path provisioner, and a busybox for tests and `kubectl run`. */
export function nodeImages(bins: {
  pause: string;
  coredns: string;
  busybox: string;
  localPath: string;
}): LocalImage[] {
  const applets = [
    "sh",
    "ls",
    "cat",
    "echo",
    "id",
    "sleep",
    "wget",
    "env",
    "hostname",
    "nslookup",
    "mkdir",
    "rm",
    "touch",
    "date",
    "true",
    "false",
    "httpd",
    "nc",
    "ps",
    "grep",
  ];
  return [
    {
      ref: "k8s/pause:3.10.1",
      files: { "/pause": bins.pause },
      entrypoint: ["/pause"],
      user: "65535:65535",
    },
    {
      ref: "k8s/coredns:1.14.7",
      files: { "/coredns": bins.coredns },
      entrypoint: ["/coredns"],
      user: "65532:65532",
    },
    {
      ref: "k8s/local-path-provisioner:v0.0.30",
      files: { "/local-path-provisioner": bins.localPath },
      entrypoint: ["/local-path-provisioner"],
    },
    {
      ref: "library/busybox:1.35",
      files: { "/bin/busybox": bins.busybox },
      links: Object.fromEntries(applets.map((a) => [`/bin/${a}`, "busybox"])),
      texts: {
        "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
      },
      entrypoint: ["/bin/sh"],
      env: ["PATH=/bin"],
    },
  ];
}
