import { describe, expect, it } from "vitest";
import { generateSync } from "otplib";
import {
  generateRecoveryCodes,
  generateTotpSecret,
  hashPassword,
  hashRecoveryCode,
  isRecoveryCodeShape,
  totpCode,
  totpUri,
  verifyDummyPassword,
  verifyPassword,
  verifyTotp,
} from "./index.ts";

const cheap = { cost: 1024 };

describe("passwords", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse", cheap);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct hors", hash)).toBe(false);
  });
  it("salts every hash and refuses malformed hashes", async () => {
    expect(await hashPassword("x", cheap)).not.toBe(await hashPassword("x", cheap));
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
    expect(await verifyPassword("x", "scrypt$0$8$1$AA==$AA==")).toBe(false);
  });
  it("uses the default cost when none is given and refuses empty passwords", async () => {
    expect(await hashPassword("pw")).toMatch(/^scrypt\$32768\$/);
    await expect(hashPassword("")).rejects.toThrow(/1 to 1024/);
  });
  it("the dummy check always fails", async () => {
    expect(await verifyDummyPassword("anything", cheap)).toBe(false);
  });
});

describe("TOTP", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 10);
  it("accepts the current code once and returns its step", () => {
    const secret = generateTotpSecret();
    const code = generateSync({ secret, epoch: Math.floor(now / 1000) });
    const step = verifyTotp(secret, code, undefined, now);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(verifyTotp(secret, code, step, now)).toBeUndefined();
  });
  it("allows one step of drift but not two", () => {
    const secret = generateTotpSecret();
    expect(verifyTotp(secret, totpCode(secret, now - 30_000), undefined, now)).toBeDefined();
    expect(verifyTotp(secret, totpCode(secret, now - 90_000), undefined, now)).toBeUndefined();
  });
  it("refuses wrong and malformed codes", () => {
    const secret = generateTotpSecret();
    const code = totpCode(secret, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect(verifyTotp(secret, wrong, undefined, now)).toBeUndefined();
    expect(verifyTotp(secret, "12ab56", undefined, now)).toBeUndefined();
    expect(verifyTotp("not base32!", code, undefined, now)).toBeUndefined();
  });
  it("builds an otpauth URI", () => {
    expect(totpUri("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "alice")).toBe(
      "otpauth://totp/QuickStack:alice?secret=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567&issuer=QuickStack",
    );
  });
});

describe("recovery codes", () => {
  it("makes ten distinct codes whose hashes ignore case and dashes", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const first = codes[0]!;
    expect(first).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(hashRecoveryCode(first.toUpperCase().replace("-", " "))).toBe(hashRecoveryCode(first));
    expect(hashRecoveryCode(first)).toMatch(/^[0-9a-f]{64}$/);
    expect(isRecoveryCodeShape(first)).toBe(true);
    expect(isRecoveryCodeShape("123456")).toBe(false);
  });
});
