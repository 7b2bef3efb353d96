import type { AddonKind } from "@qs/core";

/** How one kind of add-on runs: its server, probe, client and URL. */
export interface AddonKindSpec {
  readonly port: number;
  /** Where the volume is mounted. */
  readonly dataPath: string;
  /** Env var the container gets the password in (from the Secret, never inline). */
  readonly passwordEnv: string;
  /** Shell script that starts the server in the foreground (exec). */
  readonly start: string;
  /** Exec readiness probe: succeeds only when the server answers. */
  readonly probe: readonly string[];
  /** The interactive client addons:connect runs in the pod. */
  readonly client: readonly string[];
  /** The connection URL apps get. */
  url(host: string, password: string): string;
}

const sh = (script: string): string[] => ["/bin/sh", "-c", script];

// initdb only on an empty volume; PGDATA is a folder below the mount because a fresh
// filesystem's lost+found makes the mount point itself "not empty" to initdb. The password
// is set from the Secret at every start (single-user mode, before any client can connect):
// that is how credentials-rotate takes effect with one restart.
const postgresStart = [
  "set -e",
  'export PGDATA="/var/lib/postgresql/data/pgdata"',
  'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
  '  initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null',
  "  printf \"listen_addresses = '*'\\nunix_socket_directories = '/tmp'\\n\" >> \"$PGDATA/postgresql.conf\"",
  '  printf "host all all all scram-sha-256\\n" >> "$PGDATA/pg_hba.conf"',
  "fi",
  "printf \"ALTER USER postgres PASSWORD '%s';\\n\" \"$POSTGRES_PASSWORD\" | postgres --single -D \"$PGDATA\" postgres >/dev/null",
  'exec postgres -D "$PGDATA"',
].join("\n");

// The password goes in a config file, not on the command line (ps would show it).
const redisStart = [
  "set -e",
  "umask 077",
  "printf 'requirepass %s\\ndir /data\\nappendonly yes\\nbind * -::*\\nprotected-mode no\\nport 6379\\n' \"$REDIS_PASSWORD\" > /tmp/redis.conf",
  "exec redis-server /tmp/redis.conf",
].join("\n");

/** The kinds QuickStack runs. */
export const addonKinds: Readonly<Record<AddonKind, AddonKindSpec>> = {
  postgres: {
    port: 5432,
    dataPath: "/var/lib/postgresql/data",
    passwordEnv: "POSTGRES_PASSWORD",
    start: postgresStart,
    // Over TCP, as apps connect: the socket can answer before the network listener does.
    probe: ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "postgres", "-q"],
    client: ["psql", "-h", "/tmp", "-U", "postgres", "postgres"],
    url: (host, password) => `postgres://postgres:${encodeURIComponent(password)}@${host}:5432/postgres`,
  },
  redis: {
    port: 6379,
    dataPath: "/data",
    passwordEnv: "REDIS_PASSWORD",
    start: redisStart,
    probe: sh('REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p 6379 ping | grep -qx PONG'),
    client: sh('REDISCLI_AUTH="$REDIS_PASSWORD" exec redis-cli -h 127.0.0.1 -p 6379'),
    url: (host, password) => `redis://default:${encodeURIComponent(password)}@${host}:6379/0`,
  },
};

/**
 * Production images: the official ones, pinned by version. Overridden per kind and major
 * version by `AddonOptions.images` (the local cluster uses images made from Debian's packages).
 */
export function officialImage(kind: AddonKind, version: string): string {
  const pins: Record<AddonKind, Record<string, string>> = {
    postgres: { "14": "14.19", "15": "15.14", "16": "16.10", "17": "17.6" },
    redis: { "6": "6.2.20", "7": "7.4.6" },
  };
  const tag = pins[kind][version] ?? version;
  return kind === "postgres" ? `docker.io/library/postgres:${tag}-bookworm` : `docker.io/library/redis:${tag}-bookworm`;
}
