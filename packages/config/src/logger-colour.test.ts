import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// Development logs are pretty-printed; written to a file or a pipe (`npm run dev > dev.log`)
// they must carry no colour escape codes. A child process logs with its stdout on a pipe.

describe("pretty logs", () => {
  it("have no colour codes when stdout is not a terminal", () => {
    const script = [
      'import { createLogger } from "@qs/config";',
      'createLogger({ logLevel: "info", logFormat: "pretty" }).info({ app: "shop" }, "control plane listening");',
    ].join("\n");
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: import.meta.dirname,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("INFO");
    expect(result.stdout).toContain("control plane listening");
    expect(result.stdout).not.toContain("\u001b[");
  });
});
