import { describe, expect, it } from "vitest";
import { buildSparklinePoints, downsample } from "./sparkline.ts";
import { formatBytes, formatCpu } from "./format.ts";

describe("sparklines", () => {
  it("average long series into buckets", () => {
    expect(downsample([1, 2, 3, 4, 5, 6], 3)).toEqual([1.5, 3.5, 5.5]);
    expect(downsample([1, 2], 30)).toEqual([1, 2]);
  });
  it("draw values bottom-up inside the box", () => {
    expect(buildSparklinePoints([0, 10], { width: 100, height: 22 })).toBe("0,21 100,1");
    // The scale starts at zero: a flat series sits at the top, an idle one at the bottom.
    expect(buildSparklinePoints([5, 5, 5], { width: 10, height: 10 })).toBe("0,1 5,1 10,1");
    expect(buildSparklinePoints([0, 0], { width: 10, height: 10 })).toBe("0,9 10,9");
    expect(buildSparklinePoints([])).toBe("");
  });
});

describe("formats", () => {
  it("show CPU and memory in Kubernetes-like units", () => {
    expect(formatCpu(250)).toBe("250m");
    expect(formatCpu(1500)).toBe("1.50 cores");
    expect(formatCpu(undefined)).toBe("–");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.5 GiB");
    expect(formatBytes(200 * 1024 ** 2)).toBe("200 MiB");
  });
});
