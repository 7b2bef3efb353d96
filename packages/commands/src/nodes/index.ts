import type { Command } from "../command.ts";
import { appsEnter } from "../apps/enter.ts";
import { appsLogs } from "../apps/logs.ts";
import { appsPs } from "../apps/ps.ts";
import { appsRestart } from "../apps/restart.ts";
import { appsRun } from "../apps/run.ts";
import { nodesJoinCommand } from "./join-command.ts";
import { nodesListCommand } from "./list.ts";

/** Cluster operations: apps:logs/ps/restart/run/enter and nodes:*. */
export const opsCommands: readonly Command[] = [
  appsLogs,
  appsPs,
  appsRestart,
  appsRun,
  appsEnter,
  nodesListCommand,
  nodesJoinCommand,
];
