import { describe, expect, it } from "vitest";
import {
  AppNotFoundError,
  ConflictError,
  describeError,
  exitCodeOf,
  ForbiddenError,
  httpStatusOf,
  UsageError,
  ValidationError,
} from "./errors.ts";

describe("QsError tree", () => {
  it("maps each class to one HTTP status and SSH exit code", () => {
    expect(httpStatusOf(new UsageError("x"))).toBe(400);
    expect(httpStatusOf(new ForbiddenError("x"))).toBe(403);
    expect(httpStatusOf(new AppNotFoundError("shop"))).toBe(404);
    expect(httpStatusOf(new ConflictError("APP_EXISTS", "x"))).toBe(409);
    expect(httpStatusOf(new Error("boom"))).toBe(500);
    expect(exitCodeOf(new UsageError("x"))).toBe(2);
    expect(exitCodeOf(new ValidationError("INVALID_APP_NAME", "x"))).toBe(2);
    expect(exitCodeOf(new ForbiddenError("x"))).toBe(1);
  });

  it("tells the user what to do next and hides internals", () => {
    const err = new AppNotFoundError("shop");
    expect(err.code).toBe("APP_NOT_FOUND");
    expect(describeError(err)).toBe(
      'app "shop" does not exist\ncreate it with: ssh qs apps:create shop',
    );
    expect(err.toJSON()).toEqual({
      code: "APP_NOT_FOUND",
      message: 'app "shop" does not exist',
      hint: "create it with: ssh qs apps:create shop",
    });
    expect(describeError(new Error("ECONNRESET at 10.0.0.1"))).not.toContain("10.0.0.1");
  });
});
