import type { AddonKind } from "@qs/core";
import type { Job } from "../rest/wire.ts";
import { addonKinds } from "../addons/kinds.ts";
import { ADDON_UID, addonHost, addonNames } from "../addons/render.ts";

type Container = NonNullable<NonNullable<Job["spec"]>["template"]["spec"]>["containers"][number];

// Database add-ons are backed up as a logical dump taken with the database's own tool, in
// the add-on's own image (the client matches the server, and a plain dump loads into a
// newer version): pg_dump, mariadb-dump, and redis' RDB file. Each dump sits beside a
// `.counts` file, "table<TAB>rows" per line, counted from the dump itself so the counts are
// exactly what the dump holds; a drill loads the dump into a scratch server and compares.
// Passwords come from the add-on's Secret as environment, never in a spec or a log.

/** Where dumps are written (backup) and restored to (restore), one folder per add-on. */
export const DUMP_DIR = "/dump";
/** A drill's scratch database server keeps its files here (an emptyDir). */
export const SCRATCH_DB_DIR = "/scratch";
/** One JSON line per drill step (files, then each add-on), in the drill's restore folder. */
export const DRILL_REPORT = ".qs-report";

/** An add-on a backup run dumps, loads or verifies. */
export interface BackupAddon {
  readonly name: string;
  readonly kind: AddonKind;
  /** The add-on's server image, which carries its dump and load tools. */
  readonly image: string;
  /** The app that owns it (its namespace holds the server and the password Secret). */
  readonly owner: string;
}

/** A database or file name the scripts accept as a path segment. */
const SAFE_NAME = `case "$db" in '' | *[!A-Za-z0-9_-]*) echo "$QS_ADDON: database name '$db' is not a plain name (letters, digits, _ and -); rename it to back it up" > /dev/termination-log; exit 1 ;; esac`;

const fail = (message: string): string => `{ echo "$QS_ADDON: ${message}" > /dev/termination-log; exit 1; }`;

// pg_dump writes each row of a COPY block on one line (newlines in values are escaped), so
// counting the lines of each block counts the rows the dump holds.
const PG_COUNTS = String.raw`awk '/^COPY .* FROM stdin;$/ { t = $0; sub(/^COPY /, "", t); sub(/ FROM stdin;$/, "", t); sub(/ \(.*$/, "", t); n = 0; c = 1; next }
c && /^\\\.$/ { print t "\t" n; c = 0; next }
c { n++ }'`;

// mariadb-dump --skip-extended-insert writes one INSERT per row; an empty table has its
// CREATE TABLE and no INSERT.
const MARIADB_COUNTS = String.raw`awk '/^CREATE TABLE ` + "`" + String.raw`/ { if (!($3 in n)) { n[$3] = 0; o[++k] = $3 } }
/^INSERT INTO ` + "`" + String.raw`/ { n[$3]++ }
END { for (i = 1; i <= k; i++) print o[i] "\t" n[o[i]] }'`;

// A throwaway redis-server on a socket, reading an RDB file: `keys per db` as the counts.
const redisCounts = (dir: string): string =>
  [
    `redis-server --port 0 --unixsocket /tmp/scratch.sock --dir ${dir} --dbfilename dump.rdb --appendonly no --save '' --daemonize yes --logfile /tmp/scratch.log`,
    "i=0; until redis-cli -s /tmp/scratch.sock ping 2>/dev/null | grep -qx PONG; do i=$((i+1)); [ $i -lt 100 ] || { tail -n 5 /tmp/scratch.log >&2; exit 1; }; sleep 0.2; done",
    "redis-cli -s /tmp/scratch.sock info keyspace | tr -d '\\r' | sed -n 's/^\\(db[0-9]*\\):keys=\\([0-9]*\\),.*/\\1\t\\2/p'",
  ].join("\n");

const pgEnv = 'export PGPASSWORD="$POSTGRES_PASSWORD" PGHOST="$QS_ADDON_HOST" PGPORT=5432 PGUSER=postgres';

// MongoDB add-ons (mongodump/mongorestore) have no dump here yet: a backup of an app with
// one fails and says so, rather than leaving its documents out without a word.
const MONGODB_UNSUPPORTED = `${fail("MongoDB add-ons cannot be backed up yet; dump it yourself with mongodump (ssh -t qs addons:connect)")}`;

/** The dump script of a kind: writes /dump/<addon>/<db>.sql (or dump.rdb) and its .counts. */
export function dumpScript(kind: AddonKind): string {
  const out = `out=${DUMP_DIR}/$QS_ADDON; mkdir -p "$out"`;
  switch (kind) {
    case "postgres":
      return [
        "set -eu",
        pgEnv,
        out,
        `psql -X -d postgres -Atc "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1" > /tmp/dbs`,
        'while IFS= read -r db; do',
        `  ${SAFE_NAME}`,
        '  pg_dump -d "$db" --clean --if-exists --no-owner --no-privileges -f "$out/$db.sql"',
        `  ${PG_COUNTS} "$out/$db.sql" > "$out/$db.counts"`,
        "done < /tmp/dbs",
      ].join("\n");
    case "mariadb":
      return [
        "set -eu",
        'export MYSQL_PWD="$MARIADB_PASSWORD"',
        out,
        `mariadb -h "$QS_ADDON_HOST" -P 3306 -uroot -N -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY 1" > /tmp/dbs`,
        'while IFS= read -r db; do',
        `  ${SAFE_NAME}`,
        '  mariadb-dump -h "$QS_ADDON_HOST" -P 3306 -uroot --single-transaction --skip-extended-insert --routines --triggers --databases "$db" > "$out/$db.sql"',
        `  ${MARIADB_COUNTS} "$out/$db.sql" > "$out/$db.counts"`,
        "done < /tmp/dbs",
      ].join("\n");
    case "redis":
      return [
        "set -eu",
        'export REDISCLI_AUTH="$REDIS_PASSWORD"',
        out,
        // --rdb asks the server for a snapshot over the replication protocol.
        'redis-cli -h "$QS_ADDON_HOST" -p 6379 --rdb "$out/dump.rdb" >/dev/null',
        "unset REDISCLI_AUTH",
        `{\n${redisCounts('"$out"')}\n} > "$out/dump.counts"`,
        "redis-cli -s /tmp/scratch.sock shutdown nosave >/dev/null 2>&1 || true",
      ].join("\n");
    case "mongodb":
      return MONGODB_UNSUPPORTED;
  }
}

/** The restore script of a kind: loads /dump/<addon> into the add-on's server. */
export function loadScript(kind: AddonKind): string {
  const none = `[ -e "$f" ] || ${fail("the backup holds no dump of this add-on")}`;
  switch (kind) {
    case "postgres":
      return [
        "set -eu",
        pgEnv,
        `for f in ${DUMP_DIR}/$QS_ADDON/*.sql; do`,
        `  ${none}`,
        '  db=$(basename "$f" .sql)',
        `  ${SAFE_NAME}`,
        `  [ "$(psql -X -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] || psql -X -q -d postgres -c "CREATE DATABASE \\"$db\\""`,
        // One transaction per database: a dump that does not load leaves the database as it was.
        '  psql -X -q -d "$db" -v ON_ERROR_STOP=1 --single-transaction -f "$f" >/dev/null',
        "done",
        'echo "loaded $QS_ADDON" > /dev/termination-log',
      ].join("\n");
    case "mariadb":
      return [
        "set -eu",
        'export MYSQL_PWD="$MARIADB_PASSWORD"',
        `for f in ${DUMP_DIR}/$QS_ADDON/*.sql; do`,
        `  ${none}`,
        '  mariadb -h "$QS_ADDON_HOST" -P 3306 -uroot < "$f"',
        "done",
        'echo "loaded $QS_ADDON" > /dev/termination-log',
      ].join("\n");
    case "redis":
      // The RDB file is served by a scratch server and every key is copied over (MIGRATE
      // COPY REPLACE): keys written since the backup and not in it stay.
      return [
        "set -eu",
        `d=${DUMP_DIR}/$QS_ADDON; f=$d/dump.rdb`,
        `  ${none}`,
        redisCounts('"$d"') + " > /tmp/keyspace",
        'while IFS="$(printf "\\t")" read -r name keys; do',
        "  n=${name#db}",
        '  redis-cli -s /tmp/scratch.sock -n "$n" --scan | while IFS= read -r key; do',
        '    [ "$(redis-cli -s /tmp/scratch.sock -n "$n" migrate "$QS_ADDON_HOST" 6379 "$key" "$n" 10000 copy replace auth "$REDIS_PASSWORD")" = OK ] || ' + fail('copying a key of $name failed'),
        "  done",
        "done < /tmp/keyspace",
        "redis-cli -s /tmp/scratch.sock shutdown nosave >/dev/null 2>&1 || true",
        'echo "loaded $QS_ADDON" > /dev/termination-log',
      ].join("\n");
    case "mongodb":
      return MONGODB_UNSUPPORTED;
  }
}

/** Compares "<table>\t<rows>" counts (from the dump) with a command's count per table. */
const compare = (countCommand: string): string =>
  [
    'while IFS="$(printf "\\t")" read -r t n; do',
    `  got=$(${countCommand})`,
    '  [ "$got" = "$n" ] || echo "$t has $got rows, $n at backup time" >> /tmp/mismatch',
    "  tables=$((tables + 1)); rows=$((rows + n))",
    `done < "\${f%.*}.counts"`,
  ].join("\n");

/**
 * The drill script of a kind: starts a scratch server inside the pod, loads the restored
 * dump, and checks every table's row count against the count recorded at backup time.
 * Appends `{"addon","kind","tables","rows"}` to the report and, being possibly the last
 * step, writes the whole report as its termination message.
 */
export function verifyScript(kind: AddonKind, restoreDir: string): string {
  const dir = `${restoreDir}${DUMP_DIR}/$QS_ADDON`;
  const report = `${restoreDir}/${DRILL_REPORT}`;
  const none = `[ -e "$f" ] || ${fail("the backup holds no dump of this add-on")}`;
  const start: Record<AddonKind, string[]> = {
    postgres: [
      `export PGDATA=${SCRATCH_DB_DIR}/pg PGHOST=/tmp PGUSER=postgres`,
      'initdb -D "$PGDATA" -U postgres --auth=trust >/dev/null',
      `pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w -l /tmp/server.log start >/dev/null`,
      `for f in ${dir}/*.sql; do`,
      `  ${none}`,
      '  db=$(basename "$f" .sql)',
      `  [ "$db" = postgres ] || psql -X -q -d postgres -c "CREATE DATABASE \\"$db\\""`,
      `  psql -X -q -d "$db" -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>/tmp/load.err || ${fail('$db does not load: $(tail -n 3 /tmp/load.err)')}`,
      ...compare('psql -X -d "$db" -Atc "SELECT count(*) FROM $t"').split("\n").map((l) => `  ${l}`),
      "done",
    ],
    mariadb: [
      `mariadb-install-db --no-defaults --datadir=${SCRATCH_DB_DIR}/my --skip-test-db >/dev/null`,
      `mariadbd --no-defaults --datadir=${SCRATCH_DB_DIR}/my --socket=/tmp/scratch.sock --skip-networking --skip-grant-tables --pid-file=/tmp/scratch.pid --log-error=/tmp/server.log &`,
      "i=0; until mariadb-admin --socket=/tmp/scratch.sock ping >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 150 ] || { tail -n 5 /tmp/server.log >&2; exit 1; }; sleep 0.2; done",
      `for f in ${dir}/*.sql; do`,
      `  ${none}`,
      '  db=$(basename "$f" .sql)',
      `  mariadb --socket=/tmp/scratch.sock < "$f" 2>/tmp/load.err || ${fail('$db does not load: $(tail -n 3 /tmp/load.err)')}`,
      ...compare('mariadb --socket=/tmp/scratch.sock -N -D "$db" -e "SELECT count(*) FROM $t"').split("\n").map((l) => `  ${l}`),
      "done",
    ],
    redis: [
      `f=${dir}/dump.rdb`,
      none,
      redisCounts(dir) + " > /tmp/keyspace",
      // A database the dump had and the load lacks counts as 0 keys.
      compare('awk -F "\\t" -v t="$t" \'$1 == t { print $2; found = 1 } END { if (!found) print 0 }\' /tmp/keyspace'),
    ],
    mongodb: [MONGODB_UNSUPPORTED],
  };
  return [
    "set -eu",
    "tables=0; rows=0; : > /tmp/mismatch",
    ...start[kind],
    `if [ -s /tmp/mismatch ]; then { echo "$QS_ADDON: row counts differ:"; head -n 10 /tmp/mismatch; } > /dev/termination-log; exit 1; fi`,
    `echo "{\\"addon\\":\\"$QS_ADDON\\",\\"kind\\":\\"${kind}\\",\\"tables\\":$tables,\\"rows\\":$rows}" >> ${report}`,
    `cat ${report} > /dev/termination-log`,
  ].join("\n");
}

/** Hardening of a database tool container: the server's own non-root user, nothing more. */
function dbSecurityContext(): NonNullable<Container["securityContext"]> {
  return {
    runAsUser: ADDON_UID,
    runAsGroup: ADDON_UID,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The env of a container that talks to an add-on's server: its host and, by reference, its password. */
function serverEnv(addon: BackupAddon): NonNullable<Container["env"]> {
  return [
    { name: "QS_ADDON", value: addon.name },
    { name: "QS_ADDON_HOST", value: addonHost(addon.owner, addon.name) },
    { name: addonKinds[addon.kind].passwordEnv, valueFrom: { secretKeyRef: { name: addonNames.object(addon.name), key: "password" } } },
  ];
}

const tmpMount = { name: "tmp", mountPath: "/tmp" };

/** The container that dumps an add-on into the shared dump folder (a backup's init container). */
export function buildDumpContainer(addon: BackupAddon): Container {
  return {
    name: `dump-${addon.name}`,
    image: addon.image,
    command: ["/bin/sh", "-c", dumpScript(addon.kind)],
    env: serverEnv(addon),
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: dbSecurityContext(),
    volumeMounts: [{ name: "dump", mountPath: DUMP_DIR }, tmpMount],
  };
}

/** The container that loads an add-on's restored dump into its server. */
export function buildLoadContainer(addon: BackupAddon): Container {
  return {
    name: `load-${addon.name}`,
    image: addon.image,
    command: ["/bin/sh", "-c", loadScript(addon.kind)],
    env: serverEnv(addon),
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: dbSecurityContext(),
    volumeMounts: [{ name: "dump", mountPath: DUMP_DIR }, tmpMount],
  };
}

/** The container that proves a restored dump loads and holds every row (a drill step). */
export function buildVerifyContainer(addon: BackupAddon, restoreDir: string): Container {
  return {
    name: `verify-${addon.name}`,
    image: addon.image,
    command: ["/bin/sh", "-c", verifyScript(addon.kind, restoreDir)],
    env: [{ name: "QS_ADDON", value: addon.name }],
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: dbSecurityContext(),
    volumeMounts: [
      { name: "scratch", mountPath: restoreDir },
      { name: "scratch-db", mountPath: SCRATCH_DB_DIR },
      tmpMount,
    ],
  };
}
