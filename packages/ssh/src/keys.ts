import { createHash } from "node:crypto";
import ssh2 from "ssh2";
import { ValidationError } from "@qs/core";

/** A parsed OpenSSH public key. */
export interface PublicKey {
  readonly algorithm: string;
  /** The key blob in SSH wire format (what clients offer). */
  readonly data: Buffer;
  /** `SHA256:…` as printed by `ssh-keygen -l`. */
  readonly fingerprint: string;
  readonly comment: string;
}

/** Parses one OpenSSH public key line; refuses RSA keys under 2048 bits and unknown types. */
export function parsePublicKey(line: string): PublicKey {
  const parsed = ssh2.utils.parseKey(line.trim());
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw new ValidationError("INVALID_SSH_KEY", "not an OpenSSH public key", {
      hint: "paste one line such as: ssh-ed25519 AAAA… you@laptop",
    });
  }
  if (parsed.isPrivateKey()) {
    throw new ValidationError(
      "INVALID_SSH_KEY",
      "that is a private key; send the .pub file instead",
    );
  }
  const allowed = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
  ];
  if (!allowed.includes(parsed.type)) {
    throw new ValidationError("INVALID_SSH_KEY", `key type ${parsed.type} is not accepted`, {
      hint: "use ed25519 (ssh-keygen -t ed25519), ECDSA or RSA of 2048 bits or more",
    });
  }
  const data = parsed.getPublicSSH();
  if (parsed.type === "ssh-rsa" && rsaBits(data) < 2048) {
    throw new ValidationError("INVALID_SSH_KEY", "RSA keys under 2048 bits are refused", {
      hint: "make a new key with: ssh-keygen -t ed25519",
    });
  }
  return {
    algorithm: parsed.type,
    data,
    fingerprint: fingerprintOf(data),
    comment: parsed.comment,
  };
}

/** `SHA256:<base64 without padding>` of a key blob, as OpenSSH prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

// RSA public blob: string "ssh-rsa", mpint e, mpint n (RFC 4253 §6.6).
function rsaBits(blob: Buffer): number {
  let offset = 0;
  const next = (): Buffer => {
    const len = blob.readUInt32BE(offset);
    const value = blob.subarray(offset + 4, offset + 4 + len);
    offset += 4 + len;
    return value;
  };
  next();
  next();
  const n = next();
  let bytes = n.length;
  let i = 0;
  while (i < n.length && n[i] === 0) {
    bytes--;
    i++;
  }
  return bytes * 8;
}
