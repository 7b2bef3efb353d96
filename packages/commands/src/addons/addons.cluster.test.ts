import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployRequest, appNamespace, silentLogger } from "@qs/core";
import {
  type KubeApis,
  type Reconciler,
  addonNames,
  createAddonManager,
  createAppStore,
  createConfigStore,
  createKubeApis,
  createReconciler,
  createReleaseManager,
  installCrds,
  loadKubeConnection,
  orUndefined,
} from "@qs/kube";
import { captureOutput, eventually } from "../../../../test/e2e/deploy/harness.ts";
import { admin, captureIO, fakeServices } from "../../../../test/support/fakes/index.ts";
import { ensureAddonImages, localAddonImages } from "../../../../test/cluster/builders/addon-images.ts";
import { httpFromPod } from "../../../../test/cluster/deploy-harness.ts";
import type { CommandServices } from "../command.ts";
import { runCommandLine } from "../dispatch.ts";

// Heroku's add-on flow on the real cluster: a running app gets a postgres add-on with
// `addons:create`, reads DATABASE_URL, writes a row and reads it back over HTTP; the row
// survives a restart of the database pod; `credentials-rotate` keeps the app working (its
// new release has the new URL); `destroy` without --purge keeps the volume. The app is a
// tiny perl HTTP server calling psql, run from the Debian postgresql-15 image. It serves one
// request at a time, so psql gives up connecting after 5 s: in a CI run, a connection made
// just after the database pod restarted hung, the listen queue filled, the readiness probe
// failed and the app was out of its Service for over a minute.
const kubeconfig = process.env.QS_TEST_KUBECONFIG ?? "";
const never = new AbortController().signal;
const web = [
  "exec perl -MIO::Socket::INET -e '",
  "my $s = IO::Socket::INET->new(LocalPort => $ENV{PORT}, Listen => 5, ReuseAddr => 1) or die;",
  "$SIG{PIPE} = q(IGNORE);",
  "while (my $c = $s->accept) {",
  "  my ($path) = (<$c> // q()) =~ m{^\\w+ (\\S+)}; while (<$c>) { last if /^\\r?$/ }",
  "  my $sql = $path eq q(/write) ? q(CREATE TABLE IF NOT EXISTS rows (v text); INSERT INTO rows VALUES (chr(104)||chr(105))) : q(SELECT v FROM rows);",
  "  my $out = `PGCONNECT_TIMEOUT=5 psql -qtA \"\\$DATABASE_URL\" -c \"$sql\" 2>&1`;",
  "  print $c qq(HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n$out); close $c;",
  "}'",
].join("\n");

let apis: KubeApis;
let reconciler: Reconciler;
let services: CommandServices;
const app = `adb-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await ensureAddonImages(() => undefined);
  apis = createKubeApis(loadKubeConnection(kubeconfig));
  await installCrds(apis);
  const render = { baseDomain: "qs.test", progressDeadlineSeconds: 60 };
  reconciler = createReconciler({ apis, logger: silentLogger, options: { resyncIntervalMs: 5_000, watchRestartDelayMs: 500, retryDelayMs: 500, render, owns: (a) => a.startsWith("adb-") } });
  await reconciler.start();
  services = {
    ...fakeServices().services,
    apps: createAppStore(apis),
    config: createConfigStore(apis),
    releases: createReleaseManager({ apis, logger: silentLogger, options: { render, pollMs: 250, rolloutTimeoutMs: 120_000, releasePhaseTimeoutMs: 90_000 } }),
    addons: createAddonManager(apis, { images: { "postgres:15": localAddonImages.postgres }, readyTimeoutMs: 300_000 }),
  };
}, 600_000);
afterAll(async () => {
  await services.apps.destroy(app).catch(() => undefined);
  await apis.persistentVolumeClaims.delete(appNamespace(app), addonNames.pvc("postgres")).catch(() => undefined);
  await reconciler.close();
  apis.rest.close();
});

async function run(line: string): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await runCommandLine(line, admin, io, services, never);
  return { code, out: io.out(), err: io.err() };
}

/** GET `path` from the app's web pod at its IP: the subject here is the add-on, not Service routing. */
const http = async (path: string): Promise<string> => (await httpFromPod(apis, appNamespace(app), path, `${app}-web-`)).trim();

const request: DeployRequest = {
  app,
  image: localAddonImages.postgres,
  gitSha: "abc1234abc1234",
  processes: { web },
  author: "alice",
  description: "Deploy perl+psql",
};

describe("a postgres add-on for a running app on the real cluster", () => {
  it("sets DATABASE_URL the app uses, survives a database restart and a rotation, and keeps its volume", async () => {
    await services.apps.create(app, "alice");
    await services.releases.deploy(request, captureOutput(), never);

    const created = await run(`addons:create ${app} postgres --version 15`);
    expect(created.err).toBe("");
    expect(created.out).toContain("Released v2");
    const url = (await services.config.get(app)).DATABASE_URL ?? "";
    expect(created.out).not.toContain(url.slice(20, 40));
    let answer = "";
    await eventually(async () => {
      answer = await http("/write").catch((err: unknown) => String(err));
      return answer === "" || undefined;
    }, "the app to write a row", 120_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; last answer: ${answer}`);
    });
    // A write retried after a lost answer adds a second row: each row must be the one written.
    // The old release's pod (no DATABASE_URL) may still be listed for a moment after the
    // rollout: read until the new release answers.
    const read = await eventually(async () => {
      const rows = await http("/read").catch((err: unknown) => String(err));
      return rows.includes("psql:") ? undefined : rows;
    }, "a read served by the new release", 60_000);
    expect(read).toMatch(/^hi(\nhi)*$/);

    const ns = appNamespace(app);
    const before = (await apis.pods.read(ns, addonNames.pod("postgres"))).metadata?.uid;
    await apis.pods.delete(ns, addonNames.pod("postgres"));
    await eventually(async () => {
      const pod = await orUndefined(() => apis.pods.read(ns, addonNames.pod("postgres")));
      return pod?.metadata?.uid !== before && pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, "the restarted database pod to be ready", 300_000);
    await eventually(async () => /^hi(\nhi)*$/.test(await http("/read")), "the row after the database restart", 60_000);

    const rotated = await run(`addons:credentials-rotate ${app} postgres`);
    expect(rotated.err).toBe("");
    expect(rotated.out).toContain("Released v3");
    expect((await services.config.get(app)).DATABASE_URL).not.toBe(url);
    await eventually(async () => /^hi(\nhi)*$/.test(await http("/read")), "the row with the new credentials", 60_000);

    const destroyed = await run(`addons:destroy ${app} postgres --confirm postgres`);
    expect(destroyed.out).toContain("volume data-addon-postgres-0 is kept");
    expect(await orUndefined(() => apis.persistentVolumeClaims.read(ns, addonNames.pvc("postgres")))).toBeDefined();
    expect((await services.config.get(app)).DATABASE_URL).toBeUndefined();
  }, 900_000);
});
