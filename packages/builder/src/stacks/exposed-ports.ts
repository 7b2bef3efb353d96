import { detail, errorLine } from "@qs/core";

/**
 * What a user's Dockerfile EXPOSEs in the image it builds, and the push-output notes about
 * PORT. EXPOSE is only metadata: the platform routes traffic to the port in `$PORT` (set
 * for `web` at run time), so an app that listens on its EXPOSEd port instead is never
 * reached, and the rollout waits for a readiness check that cannot pass.
 */

/** One Dockerfile instruction: its keyword (upper case) and the rest of its line. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/**
 * Instructions of a Dockerfile: parser directives read, comments dropped, continuation
 * lines joined (the escape character is `\` unless `# escape=` says otherwise).
 */
function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = "\\";
  // Parser directives are `# key=value` comments before anything else (Dockerfile reference).
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (directive === null) break;
    if (directive[1]?.toLowerCase() === "escape" && (directive[2] === "`" || directive[2] === "\\"))
      escape = directive[2];
  }
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of lines) {
    const line = raw.trim();
    // Comments and (deprecated) empty lines inside a continuation are dropped, as docker does.
    if (line.startsWith("#") || (line === "" && pending !== "")) continue;
    if (line.endsWith(escape)) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    const m = /^(\S+)\s*(.*)$/.exec(whole);
    if (m?.[1] !== undefined) out.push({ keyword: m[1].toUpperCase(), args: m[2] ?? "" });
  }
  return out;
}

/**
 * The EXPOSE arguments of the image a Dockerfile builds: those of its last stage and of the
 * stages it is built `FROM` by name (EXPOSE is inherited), in order, as written
 * (`3000`, `8080/tcp`, `$PORT`).
 */
export function exposedPorts(dockerfile: string): string[] {
  const stages: { name?: string; base: string; exposed: string[] }[] = [];
  for (const ins of instructions(dockerfile)) {
    if (ins.keyword === "FROM") {
      // FROM [--platform=…] image [AS name]
      const words = ins.args.split(/\s+/).filter((w) => w !== "" && !w.startsWith("--"));
      const name =
        words.length >= 3 && words[1]?.toUpperCase() === "AS" ? words[2]?.toLowerCase() : undefined;
      stages.push({
        base: (words[0] ?? "").toLowerCase(),
        exposed: [],
        ...(name === undefined ? {} : { name }),
      });
    } else if (ins.keyword === "EXPOSE") {
      stages.at(-1)?.exposed.push(...ins.args.split(/\s+/).filter((w) => w !== ""));
    }
  }
  const chain: string[][] = [];
  let stage = stages.at(-1);
  const seen = new Set<typeof stage>();
  while (stage !== undefined && !seen.has(stage)) {
    seen.add(stage);
    chain.unshift(stage.exposed);
    const base = stage.base;
    const index = stages.indexOf(stage);
    // Only an earlier stage can be a base; an image of the same name is not a stage.
    stage = stages.slice(0, index).findLast((s) => s.name === base);
  }
  return chain.flat();
}

/** True when an EXPOSE argument names the PORT variable or a numeric port or range including port. */
function covers(arg: string, port: number): boolean {
  const spec = arg.split("/")[0] ?? "";
  if (/^\$(PORT|\{PORT(:[^}]*)?\})$/.test(spec)) return true;
  const range = /^(\d+)(?:-(\d+))?$/.exec(spec);
  if (range === null) return true; // another variable: its value is unknown here, say nothing
  const low = Number(range[1]);
  const high = range[2] === undefined ? low : Number(range[2]);
  return low <= port && port <= high;
}

/**
 * Push-output lines for an app built from its own Dockerfile: where the app must listen,
 * and a warning when the Dockerfile EXPOSEs only other ports.
 */
export function portNotes(dockerfile: string, port: number): string[] {
  const lines = [
    detail(
      `The web process must listen on $PORT (QuickStack sets PORT=${port} and sends its traffic there)`,
    ),
  ];
  const exposed = exposedPorts(dockerfile);
  // Another port besides PORT (metrics, debug) is fine; only PORT missing is a mistake.
  if (exposed.length > 0 && !exposed.some((arg) => covers(arg, port))) {
    lines.push(
      errorLine(
        `Warning: the Dockerfile EXPOSEs ${exposed.join(", ")}, but traffic goes to $PORT (${port}); EXPOSE does not change that.`,
      ),
      errorLine(
        `Make the app listen on $PORT, e.g. CMD myserver --port "$PORT", or a Procfile line web: myserver --port $PORT`,
      ),
    );
  }
  return lines;
}
