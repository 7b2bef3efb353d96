import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { registryName, toolDirs } from "../src/layout.ts";
import { MADE_FROM } from "./images.ts";
import { imageLock, withMachineLock } from "./machine-lock.ts";
import { packImage, registryDigest, registryLabels } from "./pack.ts";
import { bookwormServers, debianRootfs, serversMadeFrom } from "./rootfs.ts";

// The app of the backups suite (issue 18: "a volume file and a PostgreSQL row written by an
// app … read back by the app"): Debian bookworm's busybox httpd and psql (the client of the
// add-on's PostgreSQL 15). Its web process serves /srv, where `data` points at the app's
// volume (/data) and cgi-bin holds the app's own endpoints:
//   /cgi-bin/row-write, row-read, row-delete   one row of table notes, over $DATABASE_URL
//   /cgi-bin/pre-backup                         the pre-backup hook: appends a line to /data/hook-calls.txt
//   /cgi-bin/busy                               a hook that answers 503
//
//   node test/cluster/builders/notes-app.ts   # make and push it when the registry lacks it


/** The web process: `busybox httpd` on $PORT (Debian's busybox has no applet links). */
export const notesAppWeb = "exec busybox httpd -f -p $PORT -h /srv";

/** A CGI script that runs `command` and answers its output: 200 when it succeeds, else `failure`. */
const cgi = (command: string, failure = "500 Internal Server Error"): string =>
  [
    "#!/bin/sh",
    `out=$( { ${command} ; } 2>&1) && status="200 OK" || status="${failure}"`,
    'printf "Status: %s\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s\\n" "$status" "$out"',
    "",
  ].join("\n");

// psql -v ON_ERROR_STOP: a failed statement fails the request rather than answering 200.
// PGCONNECT_TIMEOUT: a connection made just after the database pod restarted can hang for
// minutes (seen with the add-on suite's app); a request fails in 5 s and the next one retries.
const psql = (sql: string): string => `PGCONNECT_TIMEOUT=5 psql "$DATABASE_URL" -XAt -v ON_ERROR_STOP=1 -c "${sql}"`;

const scripts: Record<string, string> = {
  "/srv/cgi-bin/row-write": cgi(psql("CREATE TABLE IF NOT EXISTS notes (v text); INSERT INTO notes VALUES ('kept by pg_dump')")),
  "/srv/cgi-bin/row-read": cgi(psql("SELECT coalesce(string_agg(v, ','), '(no rows)') FROM notes")),
  "/srv/cgi-bin/row-delete": cgi(psql("DELETE FROM notes")),
  "/srv/cgi-bin/pre-backup": cgi("echo called >> /data/hook-calls.txt && echo ready"),
  "/srv/cgi-bin/busy": cgi("false", "503 Service Unavailable"),
};

/** Makes (when missing) and pushes the notes app image; returns the reference pods use. */
export async function ensureNotesAppImage(log: (line: string) => void = (l) => console.log(l)): Promise<string> {
  const rootfs = debianRootfs(bookwormServers, log);
  const ref = "tests/notes-app:1";
  const scriptsHash = createHash("sha256").update(JSON.stringify(scripts)).digest("hex").slice(0, 12);
  const label = `${serversMadeFrom(rootfs, "postgresql-client-15", "busybox")}, cgi ${scriptsHash}`;
  return withMachineLock(imageLock(ref), () => make(ref, rootfs, label, log), log);
}

async function make(ref: string, rootfs: string, label: string, log: (line: string) => void): Promise<string> {
  const have = await registryDigest(ref);
  if (have !== undefined && (await registryLabels(ref))[MADE_FROM] === label) return `${registryName}/${ref}@${have}`;
  const crane = join(toolDirs(false).crane ?? "", "crane");
  if (!existsSync(crane)) throw new Error("crane is missing: run bash test/cluster/build.sh");
  log(`-----> making ${ref}`);
  const digest = packImage(crane, {
    ref,
    layers: [
      rootfs,
      {
        texts: scripts,
        links: { "/srv/data": "/data" },
        modes: Object.fromEntries(Object.keys(scripts).map((p) => [p, 0o755])),
      },
    ],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
    labels: { [MADE_FROM]: label },
    cmd: ["/bin/sh", "-c", notesAppWeb],
  });
  return `${registryName}/${ref}@${digest}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await ensureNotesAppImage());
}
