import type { Command } from "../command.ts";
import { backupsCreate } from "./create.ts";
import { backupsDrill } from "./drill.ts";
import { backupsHook } from "./hook.ts";
import { backupsList } from "./list.ts";
import { backupsRestore } from "./restore.ts";
import { backupsSchedule } from "./schedule.ts";
import { backupsTargetSet } from "./target-set.ts";

/** The backups family (issue 18). */
export const backupsCommands: readonly Command[] = [backupsTargetSet, backupsSchedule, backupsHook, backupsCreate, backupsList, backupsRestore, backupsDrill];
