import { describe, expect, it } from "vitest";
import { BuildFailedError, CancelledError, UnavailableError } from "@qs/core";
import { decodeFailure, encodeFailure } from "./types.ts";

describe("failure reasons", () => {
  it("round-trips QsErrors through BullMQ's failedReason string", () => {
    const failed = decodeFailure(encodeFailure(new BuildFailedError("bad", { hint: "fix it" })));
    expect(failed).toBeInstanceOf(BuildFailedError);
    expect(failed.toJSON()).toEqual({ code: "BUILD_FAILED", message: "bad", hint: "fix it" });
    expect(decodeFailure(encodeFailure(new CancelledError("stop")))).toBeInstanceOf(CancelledError);
    const down = decodeFailure(encodeFailure(new UnavailableError("REGISTRY_UNAVAILABLE", "down")));
    expect(down).toMatchObject({ code: "REGISTRY_UNAVAILABLE", message: "down" });
  });

  it("hides internals of non-QsErrors and explains BullMQ's stalled reason", () => {
    expect(encodeFailure(new Error("ECONNRESET 10.0.0.1"))).not.toContain("10.0.0.1");
    const stalled = decodeFailure("job stalled more than allowable limit");
    expect(stalled).toBeInstanceOf(BuildFailedError);
    expect(stalled.message).toBe("the control plane restarted during this build");
  });
});
