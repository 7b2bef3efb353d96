import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { requireAdmin } from "../guard.ts";
import { nodesOf } from "../users/support.ts";

/** `nodes:join-command`: the one line that makes another VPS a k3s agent of this cluster. */
export const nodesJoinCommand: Command = {
  name: "nodes:join-command",
  summary: "Print the command that joins another VPS to the cluster",
  usage: "",
  mutating: false,
  adminOnly: true,
  api: { method: "get", path: "/nodes/join-command", toArgs: () => [] },
  async run(ctx) {
    parseArgs(ctx.args, {}, { usage: "nodes:join-command", max: 0 });
    requireAdmin(ctx, "see the join command (it holds the cluster's join token)");
    const line = await nodesOf(ctx).joinCommand();
    return { json: { command: line }, text: line };
  },
};
