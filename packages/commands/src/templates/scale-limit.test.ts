import { describe, expect, it } from "vitest";
import { ValidationError } from "@qs/core";
import { checkTemplateScale } from "./scale-limit.ts";

const kuma = { template: { name: "uptime-kuma", scaleLimit: { max: 1, reason: "its SQLite database is on the data volume" } } };

describe("checkTemplateScale", () => {
  it("refuses more replicas than the template allows, naming the template, the reason and the term", () => {
    let err: unknown;
    try {
      checkTemplateScale("status", kuma, { web: 3 }, "scale");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe("TEMPLATE_SCALE_LIMIT");
    expect((err as ValidationError).message).toBe(
      "status was made from the uptime-kuma template, which allows at most 1 replica of each process type: its SQLite database is on the data volume; web=3 refused, nothing was changed",
    );
    expect((err as ValidationError).hint).toBe("use web=1 or fewer");
  });

  it("autoscale's hint is about --max; a limit over 1 says replicas", () => {
    const two = { template: { name: "x", scaleLimit: { max: 2, reason: "because" } } };
    expect(() => checkTemplateScale("a", two, { worker: 3 }, "autoscale")).toThrow(/at most 2 replicas of each process type: because; worker=3 refused/);
    try {
      checkTemplateScale("a", two, { worker: 3 }, "autoscale");
    } catch (e) {
      expect((e as ValidationError).hint).toBe("use --max 2 or less");
    }
  });

  it("passes counts within the limit, apps without a limit and apps not made from a template", () => {
    expect(() => checkTemplateScale("status", kuma, { web: 1 }, "scale")).not.toThrow();
    expect(() => checkTemplateScale("status", kuma, { web: 0 }, "scale")).not.toThrow();
    expect(() => checkTemplateScale("dash", { template: { name: "grafana" } }, { web: 5 }, "scale")).not.toThrow();
    expect(() => checkTemplateScale("shop", {}, { web: 5 }, "scale")).not.toThrow();
  });
});
