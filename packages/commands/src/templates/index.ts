import type { Command } from "../command.ts";
import { templatesInfo } from "./info.ts";
import { templatesList } from "./list.ts";

/** The `templates*` verbs (apps:create --template lives in apps/create.ts). */
export const templatesCommands: readonly Command[] = [templatesList, templatesInfo];

export { loadTemplates, defaultTemplates, checkTemplate, templateImage, type AppTemplate, type TemplateCatalog } from "./catalog.ts";
export { planTemplate, type TemplatePlan } from "./plan.ts";
