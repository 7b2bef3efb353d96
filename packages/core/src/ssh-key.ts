import { createHash, createPublicKey, type JsonWebKey } from "node:crypto";
import { ValidationError } from "./errors.ts";

/** A parsed OpenSSH public key (one `authorized_keys`-style line without options). */
export interface SshPublicKey {
  readonly algorithm: string;
  /** The key blob in SSH wire format (what clients offer during auth). */
  readonly data: Buffer;
  /** `SHA256:…` as printed by `ssh-keygen -l`. */
  readonly fingerprint: string;
  readonly comment: string;
  /** `algorithm base64` — the canonical line without the comment. */
  readonly line: string;
}

/** Key types QuickStack accepts (DSA and sk-* hardware keys are refused). */
export const ACCEPTED_KEY_TYPES: readonly string[] = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
];

/** RSA keys under this many bits are refused (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;

const HINT = "paste one line such as: ssh-ed25519 AAAA… you@laptop";

/**
 * Parses one OpenSSH public key line and checks that the blob is a real key of its type
 * (decoded with node:crypto), refusing private keys, unknown types and short RSA keys.
 */
export function parseSshPublicKey(input: string): SshPublicKey {
  const text = input.trim();
  if (text.includes("PRIVATE KEY")) {
    throw new ValidationError("INVALID_SSH_KEY", "that is a private key; send the .pub file instead");
  }
  if (text.length === 0) throw new ValidationError("INVALID_SSH_KEY", "no public key given", { hint: HINT });
  if (text.length > 16_384 || text.includes("\n")) {
    throw new ValidationError("INVALID_SSH_KEY", "expected exactly one public key line", { hint: HINT });
  }
  const [type = "", b64 = "", ...rest] = text.split(/\s+/);
  if (!ACCEPTED_KEY_TYPES.includes(type)) {
    throw new ValidationError("INVALID_SSH_KEY", `key type "${type.slice(0, 40)}" is not accepted`, {
      hint: "use ed25519 (ssh-keygen -t ed25519), ECDSA or RSA of 2048 bits or more",
    });
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new ValidationError("INVALID_SSH_KEY", "the key data is not base64", { hint: HINT });
  }
  const data = Buffer.from(b64, "base64");
  let fields: Buffer[];
  try {
    fields = readSshStrings(data);
  } catch {
    throw new ValidationError("INVALID_SSH_KEY", "the key data is truncated or malformed", { hint: HINT });
  }
  if (fields[0]?.toString("latin1") !== type) {
    throw new ValidationError("INVALID_SSH_KEY", `the key data does not hold a ${type} key`, { hint: HINT });
  }
  checkKeyMaterial(type, fields);
  return {
    algorithm: type,
    data,
    fingerprint: sshFingerprint(data),
    comment: rest.join(" ").slice(0, 200),
    line: `${type} ${data.toString("base64")}`,
  };
}

/** `SHA256:<base64 without padding>` of a key blob, as OpenSSH prints it. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Splits an SSH wire blob into its length-prefixed strings (RFC 4251 §5). */
function readSshStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) throw new Error("truncated length");
    const len = blob.readUInt32BE(offset);
    if (offset + 4 + len > blob.length) throw new Error("truncated value");
    out.push(blob.subarray(offset + 4, offset + 4 + len));
    offset += 4 + len;
  }
  return out;
}

const b64url = (b: Buffer): string => b.toString("base64url");
const unsigned = (mpint: Buffer): Buffer => {
  let i = 0;
  while (i < mpint.length - 1 && mpint[i] === 0) i++;
  return mpint.subarray(i);
};

// Key blobs (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4) turned into JWKs so node:crypto
// can tell us whether the numbers form a valid key (e.g. an EC point on the curve).
function checkKeyMaterial(type: string, fields: Buffer[]): void {
  const bad = (why: string): never => {
    throw new ValidationError("INVALID_SSH_KEY", `not a valid ${type} key: ${why}`, { hint: HINT });
  };
  let jwk: JsonWebKey;
  if (type === "ssh-ed25519") {
    if (fields.length !== 2 || fields[1]?.length !== 32) bad("wrong key length");
    jwk = { kty: "OKP", crv: "Ed25519", x: b64url(fields[1] as Buffer) };
  } else if (type === "ssh-rsa") {
    if (fields.length !== 3) bad("wrong number of fields");
    const e = unsigned(fields[1] as Buffer);
    const n = unsigned(fields[2] as Buffer);
    if (n.length * 8 < MIN_RSA_BITS) {
      throw new ValidationError("INVALID_SSH_KEY", `RSA keys under ${MIN_RSA_BITS} bits are refused`, {
        hint: "make a new key with: ssh-keygen -t ed25519",
      });
    }
    jwk = { kty: "RSA", e: b64url(e), n: b64url(n) };
  } else {
    const curve = type.slice("ecdsa-sha2-".length);
    const sizes: Record<string, [string, number]> = {
      nistp256: ["P-256", 32],
      nistp384: ["P-384", 48],
      nistp521: ["P-521", 66],
    };
    const [crv, size] = sizes[curve] ?? bad("unknown curve");
    const q = fields[2];
    if (fields.length !== 3 || fields[1]?.toString("latin1") !== curve) bad("curve mismatch");
    if (q === undefined || q.length !== 1 + 2 * size || q[0] !== 4) bad("point is not uncompressed");
    const point = q as Buffer;
    jwk = { kty: "EC", crv, x: b64url(point.subarray(1, 1 + size)), y: b64url(point.subarray(1 + size)) };
  }
  try {
    createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    bad("the key material is invalid");
  }
}
