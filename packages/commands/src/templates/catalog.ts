import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ValidationError,
  parseAddonKind,
  parseAddonVersion,
  parseImageReference,
  parseMountPath,
  parseQuantity,
  parseVolumeName,
  type AddonKind,
} from "@qs/core";
import { checkSchema, type Schema } from "./schema-check.ts";

/** A config var of a template: a value (placeholders allowed) or a generated secret. */
export type TemplateConfigVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly generate: "secret" | "hex" };

/** An add-on a template needs: created with the app, its URL set as `<as>_URL`. */
export interface TemplateAddon {
  readonly kind: AddonKind;
  readonly version?: string;
  readonly size?: string;
  readonly as: string;
}

/** One app template (templates/<name>.json, shaped by templates/schema.json). */
export interface AppTemplate {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly homepage: string;
  readonly image: { readonly repository: string; readonly tag: string; readonly digest?: string };
  readonly command?: string;
  readonly port: number;
  readonly healthCheckPath?: string;
  readonly resources: { readonly cpu: string; readonly memory: string };
  /** Most replicas of each process type, and why; recorded on the App (spec.template). */
  readonly scale?: { readonly max: number; readonly reason: string };
  readonly volumes?: readonly { readonly name: string; readonly mountPath: string; readonly size: string }[];
  readonly config?: readonly TemplateConfigVar[];
  readonly addons?: readonly TemplateAddon[];
  readonly notes?: readonly string[];
  readonly maintainerNotes?: readonly string[];
}

/** The placeholders a config value or note may use (filled in by planTemplate). */
export const TEMPLATE_PLACEHOLDERS = ["url", "host", "app", "port", "tls"] as const;

/** The repository's templates/ folder (dist/templates/ in the built image: scripts/build.ts copies it). */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL("../../../../templates/", import.meta.url));

/** The image reference a template runs: `repo:tag`, or `repo:tag@sha256:…` when a digest is known. */
export const templateImage = (t: AppTemplate): string =>
  `${t.image.repository}:${t.image.tag}${t.image.digest === undefined ? "" : `@${t.image.digest}`}`;

/**
 * Checks one parsed template file: the schema first, then what a schema cannot say (the
 * file is named after the template, names are unique, the image reference, quantities,
 * add-on kinds and versions, placeholders). Resolves the problems, empty = valid.
 */
export function checkTemplate(schema: Schema, file: string, value: unknown): string[] {
  const errors = checkSchema(schema, value);
  if (errors.length > 0) return errors;
  const t = value as AppTemplate;
  const problems: string[] = [];
  const attempt = (what: string, check: () => unknown): void => {
    try {
      check();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  if (file !== `${t.name}.json`) problems.push(`$.name: "${t.name}" must match the file name ${file}`);
  attempt("$.image", () => parseImageReference(templateImage(t)));
  attempt("$.resources.cpu", () => parseQuantity(t.resources.cpu, "cpu"));
  attempt("$.resources.memory", () => parseQuantity(t.resources.memory, "memory"));
  const duplicates = (names: readonly string[]) => names.filter((n, i) => names.indexOf(n) !== i);
  for (const d of duplicates((t.volumes ?? []).map((v) => v.name))) problems.push(`$.volumes: "${d}" is named twice`);
  for (const d of duplicates((t.volumes ?? []).map((v) => v.mountPath))) problems.push(`$.volumes: "${d}" is mounted twice`);
  for (const v of t.volumes ?? []) {
    attempt(`$.volumes.${v.name}.name`, () => parseVolumeName(v.name));
    attempt(`$.volumes.${v.name}.mountPath`, () => parseMountPath(v.mountPath));
    attempt(`$.volumes.${v.name}.size`, () => parseQuantity(v.size, "storage"));
  }
  const vars = (t.config ?? []).map((c) => c.name);
  for (const a of t.addons ?? []) vars.push(`${a.as}_URL`);
  for (const d of duplicates(vars)) problems.push(`$.config: "${d}" is set twice (config or an add-on's URL)`);
  if (vars.includes("PORT")) problems.push(`$.config: PORT is set by QuickStack from $.port`);
  for (const [i, a] of (t.addons ?? []).entries()) {
    attempt(`$.addons[${i}].kind`, () => parseAddonKind(a.kind));
    attempt(`$.addons[${i}].version`, () => parseAddonVersion(a.kind, a.version));
    if (a.size !== undefined) attempt(`$.addons[${i}].size`, () => parseQuantity(a.size ?? "", "storage"));
  }
  const texts = [
    ...(t.config ?? []).flatMap((c) => ("value" in c ? [[`$.config.${c.name}`, c.value] as const] : [])),
    ...(t.notes ?? []).map((n, i) => [`$.notes[${i}]`, n] as const),
  ];
  for (const [where, text] of texts) {
    for (const m of text.matchAll(/\{\{([^}]*)\}\}/g)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(m[1] ?? "")) {
        problems.push(`${where}: unknown placeholder {{${m[1] ?? ""}}} (known: ${TEMPLATE_PLACEHOLDERS.join(", ")})`);
      }
    }
  }
  return problems;
}

/** The templates in a folder, by name. */
export interface TemplateCatalog {
  readonly templates: readonly AppTemplate[];
  /** The template named, or ValidationError UNKNOWN_TEMPLATE listing them. */
  get(name: string): AppTemplate;
}

/**
 * Reads and checks every `*.json` in `dir` against its `schema.json`. One bad file fails
 * the whole load with every problem listed: a template is reviewed data, and a broken one
 * must not ship half-working.
 */
export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): TemplateCatalog {
  const schema = JSON.parse(readFileSync(`${dir}/schema.json`, "utf8")) as Schema;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort();
  const problems: string[] = [];
  const templates: AppTemplate[] = [];
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));
    } catch (err) {
      problems.push(`${file}: not JSON (${(err as Error).message})`);
      continue;
    }
    const errors = checkTemplate(schema, file, value);
    if (errors.length > 0) problems.push(...errors.map((e) => `${file}: ${e}`));
    else templates.push(value as AppTemplate);
  }
  if (problems.length > 0) throw new Error(`invalid app templates in ${dir}:\n  ${problems.join("\n  ")}`);
  return {
    templates,
    get(name) {
      const found = templates.find((t) => t.name === name);
      if (found !== undefined) return found;
      throw new ValidationError("UNKNOWN_TEMPLATE", `there is no app template "${name.slice(0, 40)}"`, {
        hint: `templates: ${templates.map((t) => t.name).join(", ")} (ssh qs templates)`,
      });
    },
  };
}

let cached: TemplateCatalog | undefined;

/** The repository's templates, loaded and checked once. */
export function defaultTemplates(): TemplateCatalog {
  cached ??= loadTemplates();
  return cached;
}
