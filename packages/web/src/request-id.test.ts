import { describe, expect, it } from "vitest";
import type { Logger } from "@qs/core";
import { createHttpApp } from "./app.ts";

function recordingLogger(): Logger & { lines: { level: string; obj: Record<string, unknown> }[] } {
  const lines: { level: string; obj: Record<string, unknown> }[] = [];
  const log = (level: string) => (obj: object | string) => {
    lines.push({ level, obj: typeof obj === "string" ? { msg: obj } : (obj as Record<string, unknown>) });
  };
  const logger = {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: () => logger,
  };
  return logger;
}

describe("request ids", () => {
  it("gives every request an id, echoes it, and puts it on the log lines", async () => {
    const logger = recordingLogger();
    const app = createHttpApp({ logger, readiness: {} });
    app.get("/boom", () => {
      throw new Error("kaput");
    });
    const ok = await app.request("/healthz");
    const id = ok.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(logger.lines).toContainEqual({ level: "debug", obj: expect.objectContaining({ requestId: id, path: "/healthz", status: 200 }) });

    const failed = await app.request("/boom", { headers: { "X-Request-Id": "proxy-123" } });
    expect(failed.status).toBe(500);
    expect(failed.headers.get("x-request-id")).toBe("proxy-123");
    expect(logger.lines).toContainEqual({ level: "error", obj: expect.objectContaining({ requestId: "proxy-123", path: "/boom" }) });
  });

  it("does not trust an id that is not a plain token", async () => {
    const app = createHttpApp({ logger: recordingLogger(), readiness: {} });
    const res = await app.request("/healthz", { headers: { "X-Request-Id": "a\"b c" } });
    expect(res.headers.get("x-request-id")).not.toBe('a"b c');
  });
});
