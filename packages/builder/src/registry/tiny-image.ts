import { createHash, randomUUID } from "node:crypto";

const sha = (data: Buffer): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

async function pushBlob(registry: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
  const location = new URL(start.headers.get("location") ?? "", registry);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(data),
  });
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
  return digest;
}

/**
 * Pushes a tiny image (one layer, a config with `created`) to a registry through the
 * distribution HTTP API, as a builder would; resolves with its manifest digest.
 * For tests and local runs without a cluster.
 */
export async function pushTinyImage(
  registry: string,
  repo: string,
  tag: string,
  created: string,
): Promise<string> {
  const layer = Buffer.from(`layer of ${tag} ${randomUUID()}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created,
      rootfs: { type: "layers", diff_ids: [sha(layer)] },
    }),
  );
  const layerDigest = await pushBlob(registry, repo, layer);
  const configDigest = await pushBlob(registry, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: configDigest,
      },
      layers: [
        {
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          size: layer.length,
          digest: layerDigest,
        },
      ],
    }),
  );
  const res = await fetch(`${registry}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.docker.distribution.manifest.v2+json" },
    body: new Uint8Array(manifest),
  });
  if (res.status !== 201) throw new Error(`manifest upload: HTTP ${res.status}`);
  return sha(manifest);
}
