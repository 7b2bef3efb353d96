import type { Command } from "../command.ts";
import { addonsList } from "./addons.ts";
import { addonsAttach } from "./attach.ts";
import { addonsConnect } from "./connect.ts";
import { addonsCreate } from "./create.ts";
import { addonsCredentialsRotate } from "./credentials-rotate.ts";
import { addonsDestroy } from "./destroy.ts";
import { addonsDetach } from "./detach.ts";
import { addonsInfo } from "./info.ts";

/** The `addons*` verbs. */
export const addonsCommands: readonly Command[] = [
  addonsList,
  addonsCreate,
  addonsInfo,
  addonsAttach,
  addonsDetach,
  addonsDestroy,
  addonsCredentialsRotate,
  addonsConnect,
];
