import { describe, expect, it } from "vitest";
import { conditionClass } from "./format.ts";

describe("conditionClass", () => {
  it("is red only for a condition in its unhealthy state, by the polarity of its type", () => {
    const cases: [string, string, "ok" | "warn" | "bad"][] = [
      ["Ready", "True", "ok"],
      ["Ready", "False", "bad"],
      ["Available", "True", "ok"],
      ["Progressing", "False", "ok"],
      ["Progressing", "True", "warn"],
      ["Degraded", "False", "ok"],
      ["Degraded", "True", "bad"],
      ["MemoryPressure", "False", "ok"],
      ["DiskPressure", "True", "bad"],
      ["NetworkUnavailable", "False", "ok"],
      ["Ready", "Unknown", "warn"],
      ["Degraded", "Unknown", "warn"],
    ];
    expect(cases.map(([type, status]) => [type, status, conditionClass(type, status)])).toEqual(cases);
  });
});
