import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

// kubectl (client-go) sends bearer tokens only over TLS (kubernetes/kubectl#744), so the
// double serves HTTPS with a self-signed loopback certificate made once per process by the
// openssl CLI; the kubeconfig carries it as certificate-authority-data.

export interface TlsMaterial {
  cert: string;
  key: string;
}

let cached: Promise<TlsMaterial> | undefined;

/** A self-signed certificate for 127.0.0.1 and localhost (cached for the process). */
export function loopbackCertificate(): Promise<TlsMaterial> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-double-tls-"));
    try {
      await promisify(execFile)("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "3650",
        "-subj", "/CN=kube-double", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ]);
      const [cert, key] = await Promise.all([readFile(join(dir, "cert.pem"), "utf8"), readFile(join(dir, "key.pem"), "utf8")]);
      return { cert, key };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return cached;
}
