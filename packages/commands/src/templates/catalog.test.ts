import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATES_DIR, checkTemplate, loadTemplates, templateImage } from "./catalog.ts";
import { checkSchema, type Schema } from "./schema-check.ts";

// Every file in templates/ against templates/schema.json (and the checks a schema cannot
// make); then that bad files are refused with the reason, so the check is not vacuous.

const schema = JSON.parse(readFileSync(join(DEFAULT_TEMPLATES_DIR, "schema.json"), "utf8")) as Schema;
const files = readdirSync(DEFAULT_TEMPLATES_DIR).filter((f) => f.endsWith(".json") && f !== "schema.json");
const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DEFAULT_TEMPLATES_DIR, file), "utf8")) as Record<string, unknown>;

describe("the repository's templates", () => {
  it("has at least ten", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)("%s passes the schema and the checks", (file) => {
    expect(checkTemplate(schema, file, read(file))).toEqual([]);
  });

  it("load together, pinned to a version tag (never latest), each name once", () => {
    const { templates } = loadTemplates();
    expect(templates.map((t) => `${t.name}.json`).sort()).toEqual([...files].sort());
    for (const t of templates) {
      expect(templateImage(t)).toMatch(/^[a-z0-9.-]+\.[a-z]+\/[a-z0-9._/-]+:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
      expect(t.image.tag).not.toBe("latest");
    }
  });

  it("the templates that keep SQLite (or one server's memory) on their volume allow one replica, and say why", () => {
    const limited = loadTemplates()
      .templates.filter((t) => t.scale !== undefined)
      .map((t) => t.name)
      .sort();
    expect(limited).toEqual(["code-server", "gitea", "gotify", "hedgedoc", "memos", "n8n", "ntfy", "uptime-kuma", "vaultwarden"]);
    for (const t of loadTemplates().templates) if (t.scale !== undefined) expect(t.scale.max, t.name).toBe(1);
    expect(loadTemplates().get("uptime-kuma").scale?.reason).toMatch(/SQLite/);
  });

  it("an unknown template is a clear error naming the ones there are", () => {
    expect(() => loadTemplates().get("wordpresss")).toThrow(/no app template "wordpresss"/);
    try {
      loadTemplates().get("nope");
    } catch (err) {
      expect((err as { hint?: string }).hint).toContain("uptime-kuma");
    }
  });
});

describe("bad template files are refused", () => {
  const base = read("grafana.json");
  const bad = (change: Record<string, unknown>, file = "grafana.json"): string[] => checkTemplate(schema, file, { ...base, ...change });

  it.each([
    ["a missing field", { port: undefined }, /"port" is required/],
    ["an unknown field", { ports: [80] }, /"ports" is not a template field/],
    ["the latest tag", { image: { repository: "docker.io/grafana/grafana", tag: "latest" } }, /\$\.image\.tag: does not match/],
    ["an image without a registry host", { image: { repository: "grafana/grafana", tag: "11.3.0" } }, /\$\.image\.repository/],
    ["an invented digest format", { image: { repository: "docker.io/grafana/grafana", tag: "1", digest: "sha256:abc" } }, /digest/],
    ["a privileged port", { port: 80 }, /\$\.port: less than 1024/],
    ["a config var that is neither value nor generated", { config: [{ name: "X" }] }, /\$\.config\[0\]/],
    ["an unknown generator", { config: [{ name: "X", generate: "uuid" }] }, /generate: must be one of/],
    ["an unknown placeholder", { config: [{ name: "X", value: "{{password}}" }] }, /unknown placeholder \{\{password\}\}/],
    ["PORT in config", { config: [{ name: "PORT", value: "1" }] }, /PORT is set by QuickStack/],
    ["a var set twice", { config: [{ name: "GF_DATABASE_URL", value: "x" }] }, /GF_DATABASE_URL" is set twice/],
    ["an unknown add-on kind", { addons: [{ kind: "oracle", as: "DB" }] }, /kind: must be one of/],
    ["an add-on version not offered", { addons: [{ kind: "postgres", version: "9", as: "DB" }] }, /postgres version "9" is not offered/],
    ["a volume over a system directory", { volumes: [{ name: "etc", mountPath: "/etc/gitea", size: "1Gi" }] }, /system directory/],
    ["a bad memory quantity", { resources: { cpu: "100m", memory: "0Mi" } }, /resources\.memory/],
    ["a scale limit of 0", { scale: { max: 0, reason: "its SQLite database is on the data volume" } }, /\$\.scale\.max: less than 1/],
    ["a scale limit without its reason", { scale: { max: 1 } }, /\$\.scale: "reason" is required/],
    ["a scale limit as a bare number", { scale: 1 }, /\$\.scale: must be an object/],
  ])("%s", (_what, change, message) => {
    const cleaned = Object.fromEntries(Object.entries({ ...base, ...change }).filter(([, v]) => v !== undefined));
    const problems = checkTemplate(schema, "grafana.json", cleaned);
    expect(problems.join("\n")).toMatch(message);
  });

  it("a file named unlike its template", () => {
    expect(bad({}, "grafana2.json").join("\n")).toMatch(/must match the file name grafana2\.json/);
  });

  it("a schema keyword the checker does not implement is an error, not ignored", () => {
    expect(() => checkSchema({ type: "string", format: "uri" } as Schema, "x")).toThrow(/does not implement/);
  });
});

describe("loading a folder", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("one bad file fails the load, naming the file and every problem", () => {
    dir = mkdtempSync(join(tmpdir(), "qs-templates-"));
    writeFileSync(join(dir, "schema.json"), JSON.stringify(schema));
    writeFileSync(join(dir, "grafana.json"), JSON.stringify(read("grafana.json")));
    writeFileSync(join(dir, "broken.json"), JSON.stringify({ ...read("gotify.json"), name: "broken", port: "8080" }));
    writeFileSync(join(dir, "notjson.json"), "{");
    expect(() => loadTemplates(dir)).toThrow(/broken\.json: \$\.port: must be an integer[\s\S]*notjson\.json: not JSON/);
  });
});
