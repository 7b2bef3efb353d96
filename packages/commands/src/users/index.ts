import type { Command } from "../command.ts";
import { accessGrantCommand } from "../access/grant.ts";
import { accessRevokeCommand } from "../access/revoke.ts";
import { auditCommand } from "../audit/audit.ts";
import { keysAddCommand } from "../keys/add.ts";
import { keysListCommand } from "../keys/list.ts";
import { keysRemoveCommand } from "../keys/remove.ts";
import { tokensCreateCommand } from "../tokens/create.ts";
import { tokensListCommand } from "../tokens/list.ts";
import { tokensRevokeCommand } from "../tokens/revoke.ts";
import { users2faDisableCommand } from "./2fa-disable.ts";
import { users2faEnableCommand } from "./2fa-enable.ts";
import { usersAddCommand } from "./add.ts";
import { usersListCommand } from "./list.ts";
import { usersPasswordSetCommand } from "./password-set.ts";
import { usersRemoveCommand } from "./remove.ts";

/** users:*, keys:*, tokens:*, access:* and audit. */
export const accountCommands: readonly Command[] = [
  usersListCommand,
  usersAddCommand,
  usersRemoveCommand,
  usersPasswordSetCommand,
  users2faEnableCommand,
  users2faDisableCommand,
  keysListCommand,
  keysAddCommand,
  keysRemoveCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
  accessGrantCommand,
  accessRevokeCommand,
  auditCommand,
];
