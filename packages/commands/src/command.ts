import type { Readable, Writable } from "node:stream";
import type {
  AccessControl,
  AddonManager,
  AppStore,
  AuditLog,
  BackupService,
  BuildControl,
  ClusterOps,
  ConfigStore,
  Doctor,
  Logger,
  NodeOps,
  Principal,
  ReleaseManager,
  SourceDeployer,
  UserStore,
} from "@qs/core";

/**
 * One verb of the command layer (Dokku: plugins/<family>/subcommands/<verb>). Each verb
 * lives in its own file `src/<family>/<verb>.ts` and exports a Command; `help` and the
 * OpenAPI document are generated from the registry of these.
 */
export interface Command {
  /** `family:verb`, e.g. `apps:config-set`. */
  readonly name: string;
  /** Other names people type (`config:set`, `logs`, `run`). */
  readonly aliases?: readonly string[];
  /** One line for `help`. */
  readonly summary: string;
  /** Argument synopsis after the name, e.g. `APP KEY=VALUE… [--no-restart]`. */
  readonly usage: string;
  /** Changes state: recorded in the audit log, refused for read-only tokens. */
  readonly mutating: boolean;
  /** Only admins may run it (users:*, nodes:*, audit without APP …). */
  readonly adminOnly?: boolean;
  /**
   * Words after the first positional belong to a remote command (apps:run, apps:enter):
   * the dispatcher takes `--json`/`--help` only from the flags before it, so
   * `ssh qs run shop ls -h` runs `ls -h`.
   */
  readonly passthrough?: boolean;
  /**
   * Parses and runs. Validate the app name first (parseAppName), check access, then call
   * typed functions on ctx.services. Throw QsError subclasses for every user error.
   */
  run(ctx: CommandContext): Promise<CommandResult>;
  /** How the HTTP API exposes the verb (/api/v1…); without it only POST /api/v1/commands/{name}. */
  readonly api?: ApiRoute;
}

/** A field of an API request (path parameter, query parameter or JSON body property). */
export interface ApiField {
  readonly type: "string" | "boolean" | "integer" | "array" | "object";
  readonly description: string;
  readonly required?: boolean;
}

/** What an API request carries, before it becomes the verb's arguments. */
export interface ApiInput {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * The REST face of a verb. The request is turned into the same argument list the SSH face
 * gets, so both faces share one parser and one validation path.
 */
export interface ApiRoute {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** Path under /api/v1 with `{param}` placeholders, e.g. `/apps/{app}/config`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, ApiField>>;
  readonly body?: Readonly<Record<string, ApiField>>;
  /** Builds the verb's arguments; throws UsageError on a malformed body. */
  toArgs(input: ApiInput): string[];
}

/** What a verb returns: a JSON value for `--json` and the API, and text for humans. */
export interface CommandResult {
  readonly json: unknown;
  /** Human output (tables, confirmations); "" when everything was streamed. */
  readonly text: string;
  /** Exit code override for verbs like apps:run (the remote command's exit code). */
  readonly exitCode?: number;
}

/** The streams of the caller; SSH maps them to the channel, HTTP to a response or SSE. */
export interface CommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Present when the SSH client asked for a TTY (`ssh -t`). */
  readonly tty?: { cols: number; rows: number; term: string; onResize(l: (s: { cols: number; rows: number }) => void): void };
}

/** Everything a verb gets. */
export interface CommandContext {
  readonly principal: Principal;
  /** Arguments after the verb name, already split with shell-like quoting. */
  readonly args: readonly string[];
  /** `--json` was given (removed from args). */
  readonly json: boolean;
  readonly io: CommandIO;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Which face called: only SSH has a stdin to read values from. @defaultValue "ssh" */
  readonly via?: "ssh" | "api";
  readonly services: CommandServices;
  /**
   * What the verb works on, for the audit log: authorizeApp sets `app` once the name is
   * valid, so the record names the app however the arguments were ordered.
   */
  readonly scope?: { app?: string };
}

/**
 * The ports verbs may call. Built by apps/server. Engineers add fields here as their
 * ports land (users, audit, cluster ops, builds …).
 */
export interface CommandServices {
  readonly apps: AppStore;
  readonly config: ConfigStore;
  readonly releases: ReleaseManager;
  /** Who may touch which app (admins everything, developers their granted apps). */
  readonly access: AccessControl;
  /** The bare git repos (RepoStore in packages/git): apps:create / apps:destroy. */
  readonly repos: { createEmpty(app: string): Promise<{ movedAside?: string }>; remove(app: string): Promise<void> };
  /** Records mutating commands; absent = not recorded (tests, dev without a store). */
  readonly audit?: AuditLog;
  /** Base domain for default app URLs. */
  readonly baseDomain: string;
  /** Scheme of printed app URLs (QsConfig.appScheme, as the push output). @defaultValue "https" */
  readonly appScheme?: "http" | "https";
  /** The `git remote add` URL of an app, for apps:create's next-steps text. */
  readonly gitRemote?: (app: string) => string;
  readonly limits: {
    /** Replicas per process type. */
    readonly maxScale: number;
    /** `*.example.com` domains (only with a DNS-01 issuer). @defaultValue false */
    readonly wildcardDomains?: boolean;
  };
  /** For failures the user cannot act on (internal errors, audit write failures). */
  readonly logger?: Logger;
  /** The registry's images of an app (packages/builder): apps:destroy deletes them, apps:rollback checks. */
  readonly images?: {
    removeApp(app: string): Promise<{ deleted: number }>;
    /** False when the image was deleted (pruned); undefined when it is not QuickStack's to know. */
    has?(app: string, image: string): Promise<boolean | undefined>;
  };
  /** Build history, output and cancel (packages/builder); absent = apps:builds* unavailable. */
  readonly builds?: BuildControl;
  /** Users, keys, grants, tokens (packages/kube/src/users); absent = users:* unavailable. */
  readonly users?: UserStore;
  /** Logs, ps, restart, run, enter over the cluster (packages/kube/src/ops). */
  readonly ops?: ClusterOps;
  /** apps:deploy and webhooks: fetch the app's source URL and deploy (packages/git); absent = unavailable. */
  readonly sources?: SourceDeployer;
  /** apps:source-set --deploy-key generate: a new ed25519 pair, private half kept in a Secret. */
  readonly deployKeys?: { generate(app: string): Promise<{ publicKey: string; secretName: string }> };
  /** apps:webhook: the delivery URL of an app and its secret (made, or rotated, on demand). */
  readonly webhooks?: { url(app: string): string; secret(app: string, rotate: boolean): Promise<string> };
  /** nodes:list and nodes:join-command (packages/kube/src/ops). */
  readonly nodes?: NodeOps;
  /** Installation health checks (`doctor`, the status page's health section). */
  readonly doctor?: Doctor;
  /** Database and cache add-ons (packages/kube/src/addons); absent = addons:* unavailable. */
  readonly addons?: AddonManager;
  /** backups:* (packages/kube/src/backups); absent = backups unavailable. */
  readonly backups?: BackupService;
}
