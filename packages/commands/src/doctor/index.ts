import type { Command } from "../command.ts";
import { doctorCommand } from "./doctor.ts";

/** Installation health: `doctor`. */
export const doctorCommands: readonly Command[] = [doctorCommand];
