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

// mariadb-install-db only on an empty volume (datadir below the mount, as for postgres).
// The init file runs at every start before clients are let in: it sets root's password
// (local and remote) from the Secret, so credentials-rotate takes effect with one restart.
const mariadbStart = [
  "set -e",
  'DATADIR="/var/lib/mysql/data"',
  'if [ ! -d "$DATADIR/mysql" ]; then',
  '  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal >/dev/null',
  "fi",
  "umask 077",
  "printf \"ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\\nCREATE USER IF NOT EXISTS 'root'@'%%' IDENTIFIED BY '%s';\\nALTER USER 'root'@'%%' IDENTIFIED BY '%s';\\nGRANT ALL ON *.* TO 'root'@'%%' WITH GRANT OPTION;\\nCREATE DATABASE IF NOT EXISTS app;\\n\" \"$MARIADB_PASSWORD\" \"$MARIADB_PASSWORD\" \"$MARIADB_PASSWORD\" > /tmp/init.sql",
  'exec mariadbd --datadir="$DATADIR" --socket=/tmp/mysqld.sock --pid-file=/tmp/mysqld.pid --bind-address=0.0.0.0 --port=3306 --init-file=/tmp/init.sql',
].join("\n");

// MongoDB: the first start of an empty volume and every later one run mongod without auth
// on a loopback port only, create the root user (or set its password from the Secret:
// how credentials-rotate takes effect with one restart), shut it down, then exec the real
// server with --auth on all addresses. The password is read from the environment inside
// mongosh, never put on a command line.
const mongoUser = [
  "const pwd = process.env.MONGODB_PASSWORD;",
  'const admin = db.getSiblingDB("admin");',
  'if (admin.getUser("root") === null) admin.createUser({ user: "root", pwd, roles: [{ role: "root", db: "admin" }] });',
  'else admin.changeUserPassword("root", pwd);',
].join(" ");
const mongodbStart = [
  "set -e",
  'DBPATH="/data/db"',
  'mongod --dbpath "$DBPATH" --bind_ip 127.0.0.1 --port 27018 --fork --logpath /tmp/mongod-init.log --pidfilepath /tmp/mongod-init.pid >/dev/null',
  `mongosh --quiet --host 127.0.0.1 --port 27018 admin --eval '${mongoUser}' >/dev/null`,
  'mongod --dbpath "$DBPATH" --shutdown >/dev/null',
  'exec mongod --dbpath "$DBPATH" --auth --bind_ip_all --port 27017',
].join("\n");
const mongoConnect = 'db = connect("mongodb://root:" + encodeURIComponent(process.env.MONGODB_PASSWORD) + "@127.0.0.1:27017/app?authSource=admin")';

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
  mariadb: {
    port: 3306,
    dataPath: "/var/lib/mysql",
    passwordEnv: "MARIADB_PASSWORD",
    start: mariadbStart,
    probe: sh('MYSQL_PWD="$MARIADB_PASSWORD" mariadb-admin -h 127.0.0.1 -P 3306 -uroot ping'),
    client: sh('MYSQL_PWD="$MARIADB_PASSWORD" exec mariadb -h 127.0.0.1 -P 3306 -uroot app'),
    url: (host, password) => `mysql://root:${encodeURIComponent(password)}@${host}:3306/app`,
  },
  mongodb: {
    port: 27017,
    dataPath: "/data/db",
    passwordEnv: "MONGODB_PASSWORD",
    start: mongodbStart,
    // An authenticated ping over TCP: fails until the user exists and the server listens.
    probe: [
      "mongosh",
      "--nodb",
      "--quiet",
      "--eval",
      'const c = connect("mongodb://root:" + encodeURIComponent(process.env.MONGODB_PASSWORD) + "@127.0.0.1:27017/admin"); if (c.runCommand({ ping: 1 }).ok !== 1) quit(1)',
    ],
    client: ["mongosh", "--nodb", "--quiet", "--shell", "--eval", mongoConnect],
    url: (host, password) => `mongodb://root:${encodeURIComponent(password)}@${host}:27017/app?authSource=admin`,
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
    mariadb: { "10.11": "10.11.14", "11.4": "11.4.8" },
    mongodb: { "7.0": "7.0.21", "8.0": "8.0.12" },
  };
  const tag = pins[kind][version] ?? version;
  // postgres and redis are Debian-based; the official mariadb and mongo images are Ubuntu's.
  if (kind === "mongodb") return `docker.io/library/mongo:${tag}`;
  return kind === "mariadb" ? `docker.io/library/mariadb:${tag}` : `docker.io/library/${kind}:${tag}-bookworm`;
}
