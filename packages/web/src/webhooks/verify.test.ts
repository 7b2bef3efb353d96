import { describe, expect, it } from "vitest";
import { signedAs } from "./testing.ts";
import { GENERIC_TOLERANCE_SECONDS, WebhookRejectedError, parsePushPayload, safeEqual, verifyDelivery } from "./verify.ts";

const secret = "s3cret-hook-key";
const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "a".repeat(40) }));
const now = Date.parse("2026-03-01T12:00:00Z");
const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];

const rejected = (f: () => unknown): WebhookRejectedError => {
  try {
    f();
  } catch (err) {
    if (err instanceof WebhookRejectedError) return err;
    throw err;
  }
  throw new Error("not rejected");
};

describe("verifyDelivery", () => {
  for (const sender of ["github", "gitlab", "gitea", "forgejo", "generic"] as const) {
    it(`accepts a ${sender} delivery signed with the secret and refuses the wrong secret, a changed body and no signature`, () => {
      const ok = verifyDelivery(headers(signedAs(sender, body, secret, "d-1", now)), body, secret, now);
      expect(ok).toEqual({ sender: sender === "forgejo" ? "gitea" : sender, id: "d-1", event: "push" });

      const wrong = rejected(() => verifyDelivery(headers(signedAs(sender, body, "other-key", "d-1", now)), body, secret, now));
      expect([wrong.status, wrong.code]).toEqual([401, "WEBHOOK_BAD_SIGNATURE"]);
      if (sender !== "gitlab") {
        const changed = Buffer.from(body.toString().replace("main", "evil"));
        expect(rejected(() => verifyDelivery(headers(signedAs(sender, body, secret, "d-1", now)), changed, secret, now)).code).toBe("WEBHOOK_BAD_SIGNATURE");
      }
      const unsigned = Object.fromEntries(Object.entries(signedAs(sender, body, secret, "d-1", now)).filter(([k]) => !/signature|token/.test(k)));
      expect(rejected(() => verifyDelivery(headers(unsigned), body, secret, now)).status).toBe(401);
    });
  }

  it("refuses a generic signature too old or from the future", () => {
    const old = signedAs("generic", body, secret, "d-2", now - (GENERIC_TOLERANCE_SECONDS + 1) * 1000);
    expect(rejected(() => verifyDelivery(headers(old), body, secret, now)).code).toBe("WEBHOOK_STALE");
    const future = signedAs("generic", body, secret, "d-3", now + (GENERIC_TOLERANCE_SECONDS + 1) * 1000);
    expect(rejected(() => verifyDelivery(headers(future), body, secret, now)).code).toBe("WEBHOOK_STALE");
  });

  it("needs a delivery id to tell replays apart", () => {
    const h = signedAs("github", body, secret, "x", now);
    delete h["x-github-delivery"];
    expect(rejected(() => verifyDelivery(headers(h), body, secret, now)).code).toBe("WEBHOOK_NO_DELIVERY_ID");
  });

  it("compares in constant time over equal lengths only", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("parsePushPayload", () => {
  it("reads branch and sha, and ignores tags and deletions", () => {
    expect(parsePushPayload(body)).toEqual({ branch: "main", sha: "a".repeat(40) });
    expect(parsePushPayload(Buffer.from(JSON.stringify({ ref: "refs/tags/v1", after: "a".repeat(40) })))).toBeUndefined();
    expect(parsePushPayload(Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40) })))).toBeUndefined();
    expect(() => parsePushPayload(Buffer.from("ref=main"))).toThrow(/not JSON/);
  });
});
