import { randomBytes } from "node:crypto";
import { ADDON_KIND_INFO, parseAddonName, type AddonRequest, type AppSpec } from "@qs/core";
import { type AppTemplate, templateImage } from "./catalog.ts";

/** Where the new app will answer, for the template's placeholders. */
export interface TemplateTarget {
  readonly app: string;
  /** `https://status.example.com` */
  readonly url: string;
}

/** Everything apps:create --template makes, before anything is made. */
export interface TemplatePlan {
  /** The App's spec: port, health check, resources, volumes, the template and its scale limit. */
  readonly spec: Partial<AppSpec>;
  /** Config vars the app starts with, generated secrets included (never printed). */
  readonly vars: Readonly<Record<string, string>>;
  readonly image: string;
  /** Procfile-style processes: `web` with the template's command, or none (the image's own). */
  readonly processes: Readonly<Record<string, string>>;
  /** Add-ons to create in the app, each attached as `<as>_URL`. */
  readonly addons: readonly (AddonRequest & { readonly as: string })[];
  /** The template's notes with the placeholders filled in. */
  readonly notes: readonly string[];
}

/** 32 random bytes as the template asks: base64url (43 characters) or 64 hex digits. */
export function generateValue(kind: "secret" | "hex", random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(32);
  return kind === "hex" ? bytes.toString("hex") : bytes.toString("base64url");
}

/** Fills `{{url}}`, `{{host}}`, `{{app}}`, `{{port}}` and `{{tls}}` (catalog.ts refuses others). */
export function fillPlaceholders(text: string, template: AppTemplate, target: TemplateTarget): string {
  const url = new URL(target.url);
  const values: Record<string, string> = {
    url: target.url.replace(/\/+$/, ""),
    host: url.host,
    app: target.app,
    port: String(template.port),
    tls: String(url.protocol === "https:"),
  };
  return text.replace(/\{\{([a-z]+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * What a template becomes for one app (pure but for the random source): the spec, the
 * config with generated secrets, the release's image and processes, and the add-ons. The
 * add-on is named after its kind (`postgres`), or `<kind>-<n>` when a template asks for
 * two of a kind.
 */
export function planTemplate(template: AppTemplate, target: TemplateTarget, random?: (n: number) => Buffer): TemplatePlan {
  const vars: Record<string, string> = {};
  for (const c of template.config ?? []) {
    vars[c.name] = "generate" in c ? generateValue(c.generate, random) : fillPlaceholders(c.value, template, target);
  }
  const seen = new Map<string, number>();
  const addons = (template.addons ?? []).map((a) => {
    const n = (seen.get(a.kind) ?? 0) + 1;
    seen.set(a.kind, n);
    return {
      name: parseAddonName(n === 1 ? a.kind : `${a.kind}-${n}`),
      kind: a.kind,
      version: a.version ?? ADDON_KIND_INFO[a.kind].defaultVersion,
      size: a.size ?? "1Gi",
      as: a.as,
    };
  });
  return {
    spec: {
      webPort: template.port,
      ...(template.healthCheckPath === undefined ? {} : { healthCheckPath: template.healthCheckPath }),
      processes: { web: { replicas: 1, cpu: template.resources.cpu, memory: template.resources.memory } },
      volumes: (template.volumes ?? []).map((v) => ({ name: v.name, mountPath: v.mountPath, size: v.size })),
      template: {
        name: template.name,
        ...(template.scale === undefined ? {} : { scaleLimit: { max: template.scale.max, reason: template.scale.reason } }),
      },
    },
    vars,
    image: templateImage(template),
    processes: template.command === undefined ? {} : { web: template.command },
    addons,
    notes: (template.notes ?? []).map((n) => fillPlaceholders(n, template, target)),
  };
}
