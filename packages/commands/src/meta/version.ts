import { QS_VERSION } from "@qs/core";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";

/** `version`: the control plane's version. */
export const versionCommand: Command = {
  name: "version",
  summary: "Show the QuickStack version",
  usage: "",
  mutating: false,
  api: { method: "get", path: "/version", toArgs: () => [] },
  run(ctx) {
    parseArgs(ctx.args, {}, { usage: "version", max: 0 });
    return Promise.resolve({ json: { version: QS_VERSION }, text: `quickstack ${QS_VERSION}` });
  },
};
