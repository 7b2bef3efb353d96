import { describe, expect, it } from "vitest";
import { ValidationError } from "@qs/core";
import { parseBackupSchedule, parseDrillRate, parseKeep } from "./parse-schedule.ts";
import { parseEndpoint, parseTargetUrl } from "./target-set.ts";

describe("parseBackupSchedule", () => {
  it("turns the words people write into UTC cron lines", () => {
    expect(parseBackupSchedule("daily 03:00")).toBe("0 3 * * *");
    expect(parseBackupSchedule("  Daily 3:05 ")).toBe("5 3 * * *");
    expect(parseBackupSchedule("hourly")).toBe("0 * * * *");
    expect(parseBackupSchedule("weekly sunday 23:59")).toBe("59 23 * * 0");
    expect(parseBackupSchedule("weekly sat 00:00")).toBe("0 0 * * 6");
    expect(parseBackupSchedule("monthly 1 04:30")).toBe("30 4 1 * *");
    expect(parseBackupSchedule("15 3 * * 1-5")).toBe("15 3 * * 1-5");
    expect(parseBackupSchedule("*/30 * * * *")).toBe("*/30 * * * *");
  });
  it("refuses what it cannot read, saying how to write it", () => {
    for (const bad of ["", "daily", "daily 24:00", "daily 03:60", "daily 3", "weekly 03:00", "weekly funday 03:00", "monthly 31 03:00", "hourly 5", "@daily", "0 3 * *", "0 3 * * MON", "0 3 * * *; rm -rf /"]) {
      expect(() => parseBackupSchedule(bad), bad).toThrow(ValidationError);
    }
    try {
      parseBackupSchedule("daily 25:00");
    } catch (err) {
      expect((err as ValidationError).code).toBe("INVALID_SCHEDULE");
      expect((err as ValidationError).hint).toContain("daily 03:00");
    }
  });
  it("takes keep counts from 0 to 1000", () => {
    expect(parseKeep("keep-daily", undefined)).toBeUndefined();
    expect(parseKeep("keep-daily", "7")).toBe(7);
    expect(parseKeep("keep-daily", "0")).toBe(0);
    for (const bad of ["-1", "1.5", "x", "1001", ""]) expect(() => parseKeep("keep-daily", bad), bad).toThrow(/not a count/);
  });
});

describe("drill rates", () => {
  it("defaults to weekly and takes daily, weekly, monthly and off", () => {
    expect(parseDrillRate(undefined)).toBe("weekly");
    for (const r of ["daily", "weekly", "monthly", "off"]) expect(parseDrillRate(r)).toBe(r);
    expect(parseDrillRate("Daily")).toBe("daily");
  });
  it("refuses anything else, naming the rates it takes", () => {
    for (const bad of ["hourly", "", "7d", "never"]) {
      const err = (() => {
        try {
          parseDrillRate(bad);
          return undefined;
        } catch (e) {
          return e as ValidationError;
        }
      })();
      expect(err?.code, bad).toBe("INVALID_DRILL_RATE");
      expect(err?.hint).toContain("daily, weekly, monthly, off");
    }
  });
});

describe("backup target arguments", () => {
  it("accepts s3://bucket/prefix and an http(s) endpoint without credentials", () => {
    expect(parseTargetUrl("s3://my-backups/qs/")).toBe("s3://my-backups/qs");
    expect(parseTargetUrl("s3://my-backups")).toBe("s3://my-backups");
    expect(parseEndpoint("http://10.42.0.1:7070/")).toBe("http://10.42.0.1:7070");
    for (const bad of ["my-backups", "s3://A", "s3://b/../x", "https://bucket/p"]) expect(() => parseTargetUrl(bad), bad).toThrow(/s3:\/\/bucket/);
    for (const bad of [undefined, "ftp://h", "https://key:secret@h", "https://h/path", "https://h/?x=1"]) expect(() => parseEndpoint(bad), String(bad)).toThrow(/http\(s\)/);
  });
});
