import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors.ts";
import { parseSshPublicKey, sshFingerprint } from "./ssh-key.ts";

// Fixtures made with OpenSSH's ssh-keygen; fingerprints as printed by `ssh-keygen -l`.
const FIXTURES = [
  ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvloulHUilkg9oQwDOLhBYDPk/MYmhqxzrKCb2AojRI c@ed25519", "ssh-ed25519", "SHA256:wwczEKPtnLPMIMsM7e/MN3QUtKoyAnlKpb+ij/dF03g"],
  ["ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOfuHHPUbww+OlmyAKpLIiiFvfKSgPcJtFi/Dc1lzf1t9LyHI0uCY86ZIb4G+xGO3ZVoen+bVFpMb/skLOuSFPk= c@ecdsa", "ecdsa-sha2-nistp256", "SHA256:tx1yAcR/DOHxFQVodGh1mJniU37jJCGcEzmcArhb6WI"],
  ["ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAGVbKM9ByC1TuCwfN/lQ3+Z7hSPFHd6Z5p1VnahAhLB48pBvsrzOHMFdt6FOwU4J0xNmYCAoTKlXHsZhd4M8ACx4AGvwRnY09Bb68pWK0dNeMK2VyigxW4orUVTtgirl6nuCD5m6Ds/aFbNDr0mR/qiGqTMwnIRr+AtFgWJC6BQZ3PMCw== root@vm", "ecdsa-sha2-nistp521", "SHA256:CKmMuvx2X678PnbCsNRuPFyJD9qxRNtg+zhamcmoqmU"],
  ["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDCAYwvj6PWjeOrFwNgXEcQdPygvBFzfoqWmyaYPETqLiWuBDP9UOZmLoyGhQLPH5uBtmOsfSLyQPmaDvct+CNvvWg5ecq/ZEZ0rq1ihROf94jXQynScEKJqpQVjPV/XE2a59tlH0stMI+D9Mz2fc3uizMYM8LJvpn9VNmZJpv5jPJUzJBNK3DL8+CnRd+9s+M3j+U3Du8gBwNHsXRm+Muop6fWRFU0m9LQgzhjEWw065ZE0hcJrOYHg0yHx/yQwdHeDcwvbSGDLYI+Ls+9eL36w4HPNcv3Ap89yznLZqvnUDlVQ5r07fBc+nIhrJjIQhaFdsHDnR+R2Zb0yPeDGKGmqHsXTOg1MN8mnZBp+fRMwGIUxJE+vWxssh4FjTCaKOPTXL3UTraBM+nirW1LYSzILvmEUmw0u4gJBhEuCrqHRkjXAmnQqgsGGUgG5016Tk2ySiS1gco8i2ctmZloE+wckTZz1QdtzVHURw+S1H7PqAQ8jYiMJ6thIo1Ttk3Sh3s= c@rsa", "ssh-rsa", "SHA256:sutnFepNukBZkFrAr6c0x08COFChPOCLJePdshCErlA"],
] as const;
const RSA_1024 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC9wqy0SDu7je1daV88JnJHFSfpgctJ9JW3Z5dTdOfwrSn8qA8CHUBkYzsOhw9EXxzLOeF+x7ulYBybXZ2M/QeDldPcn8z2wlJsXudD3jczfVnxOnrECwaxNMPTXmbiJiNtHJmKYAk9q0fI14HTS/n6ih+aOenquefSPaMBTMKSLw==";

describe("parseSshPublicKey", () => {
  it.each(FIXTURES)("parses %s", (line, algorithm, fingerprint) => {
    const key = parseSshPublicKey(`  ${line}\n`);
    expect(key.algorithm).toBe(algorithm);
    expect(key.fingerprint).toBe(fingerprint);
    expect(sshFingerprint(key.data)).toBe(fingerprint);
    expect(key.line).toBe(line.split(" ").slice(0, 2).join(" "));
    expect(key.comment).toBe(line.split(" ").slice(2).join(" "));
  });

  const ed = FIXTURES[0][0].split(" ");
  const blob = Buffer.from(ed[1] ?? "", "base64");
  const bad: [string, string][] = [
    ["empty", ""],
    ["private key", "-----BEGIN OPENSSH PRIVATE KEY-----"],
    ["dsa", `ssh-dss ${ed[1]}`],
    ["unknown type", "ssh-foo AAAA"],
    ["not base64", "ssh-ed25519 !!!!"],
    ["type mismatch", `ssh-rsa ${ed[1]}`],
    ["truncated blob", `ssh-ed25519 ${blob.subarray(0, blob.length - 3).toString("base64")}`],
    ["two lines", `${FIXTURES[0][0]}\n${FIXTURES[1][0]}`],
    ["short rsa", RSA_1024],
    ["ecdsa point off the curve", offCurve()],
  ];
  it.each(bad)("refuses %s", (_, line) => {
    expect(() => parseSshPublicKey(line)).toThrow(ValidationError);
  });

  it("accepts a key made by node:crypto and matches its blob layout", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const x = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
    const line = `ssh-ed25519 ${sshBlob("ssh-ed25519", x).toString("base64")}`;
    expect(parseSshPublicKey(line).data.subarray(-32)).toEqual(x);
  });
});

function sshBlob(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => {
      const b = typeof p === "string" ? Buffer.from(p) : p;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return [len, b];
    }),
  );
}

function offCurve(): string {
  const q = Buffer.alloc(65, 1);
  q[0] = 4;
  return `ecdsa-sha2-nistp256 ${sshBlob("ecdsa-sha2-nistp256", "nistp256", q).toString("base64")}`;
}
