import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("createLogger", () => {
  it("never writes secret values, whatever path they come under", () => {
    const out = capture();
    const logger = createLogger({ logLevel: "info", logFormat: "json" }, out.stream);
    const secret = "s3cr3t-VALUE-1234567890";
    logger.info({ app: "shop", vars: { DATABASE_URL: secret } }, "config set");
    logger.info({ user: { name: "ann", password: secret, totpSecret: secret } }, "login");
    logger.info(
      { req: { headers: { authorization: `Bearer ${secret}`, cookie: secret } } },
      "request",
    );
    logger.child({ pushId: "p1" }).info({ token: secret }, "token used");
    const text = out.text();
    expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
    expect(text).toContain('"app":"shop"');
    expect(text).toContain('"pushId":"p1"');
  });
});
