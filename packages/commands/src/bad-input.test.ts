import { beforeAll, describe, expect, it } from "vitest";
import { admin, captureIO, fakeServices } from "../../../test/support/fakes/index.ts";
import { runCommandLine } from "./dispatch.ts";

// The bad-input table: each line is refused with a clear message and exit code, and the
// state of every port is byte-for-byte the same afterwards. The SSH e2e suite replays a
// sample of it over a real OpenSSH client against the API double.
const big = "x".repeat(32 * 1024 + 1);

/** [command line, exit code, message on stderr] */
export const BAD_INPUTS: readonly (readonly [string, number, RegExp])[] = [
  // app names
  ["apps:create Shop", 2, /app name "Shop" is not valid/],
  ["apps:create -shop", 2, /unknown flag "-shop"/],
  ["apps:create shop-", 2, /not valid/],
  ["apps:create sh_op", 2, /not valid/],
  ["apps:create sh.op", 2, /not valid/],
  ["apps:create ../etc", 2, /not valid/],
  ["apps:create 'a b'", 2, /not valid/],
  ["apps:create ''", 2, /app name is empty/],
  [`apps:create ${"a".repeat(31)}`, 2, /31 characters; the limit is 30/],
  ["apps:create qs-system", 2, /reserved/],
  ["apps:create kube-system", 2, /reserved/],
  ["apps:create api", 2, /reserved/],
  ["apps:create shop", 1, /exists already/],
  ["apps:create", 2, /missing arguments/],
  ["apps:create a b", 2, /unexpected argument "b"/],
  ["apps:info SHOP", 2, /not valid/],
  ["apps:info shop/..", 2, /not valid/],
  ["apps:info ghost", 1, /does not exist/],
  ["apps:destroy ghost --confirm ghost", 1, /does not exist/],
  ["apps:destroy shop", 2, /needs confirmation/],
  ["apps:destroy shop --confirm Shop", 2, /does not match/],
  ["apps:destroy shop --confirm", 2, /needs a value/],
  ["apps:config 'shop;ls'", 2, /not valid/],
  ["apps:config $APP", 2, /not valid/],
  ["apps:config-set ghost A=1", 1, /does not exist/],
  // config keys and values
  ["apps:config-set shop", 2, /missing arguments/],
  ["apps:config-set shop A", 2, /not KEY=VALUE/],
  ["apps:config-set shop =1", 2, /config key is empty/],
  ["apps:config-set shop 1A=1", 2, /config key "1A" is not valid/],
  ["apps:config-set shop A-B=1", 2, /not valid/],
  ["apps:config-set shop A.B=1", 2, /not valid/],
  ["apps:config-set shop 'A B=1'", 2, /not valid/],
  ["apps:config-set shop É=1", 2, /not valid/],
  ["apps:config-set shop PORT=80", 2, /set by QuickStack/],
  [`apps:config-set shop ${"K".repeat(257)}=1`, 2, /limit is 256/],
  [`apps:config-set shop A=${big}`, 1, /32 KiB/],
  [`apps:config-set shop OK=1 B=${big}`, 1, /32 KiB/],
  ["apps:config-set shop OK=1 A", 2, /not KEY=VALUE/],
  ["apps:config-set shop A=1 --restart", 2, /unknown flag "--restart"/],
  ["apps:config-set shop A=1 --no-restart=yes", 2, /takes no value/],
  ["apps:config-get shop 1X", 2, /not valid/],
  ["apps:config-get shop", 2, /missing arguments/],
  ["apps:config-get shop NOPE", 1, /NOPE is not set/],
  ["apps:config-unset shop", 2, /missing arguments/],
  ["apps:config-unset shop A=1", 2, /not valid/],
  ["apps:config-unset shop a-b", 2, /not valid/],
  ["apps:config shop --shell --json", 2, /exclude each other/],
  ["apps:config shop --env", 2, /unknown flag "--env"/],
  // domains
  ["apps:domains-add shop localhost", 2, /two labels/],
  ["apps:domains-add shop '*.example.com'", 2, /wildcard/],
  ["apps:domains-add shop -a.example.com", 2, /unknown flag/],
  ["apps:domains-add shop -- -a.example.com", 2, /not a valid host name/],
  ["apps:domains-add shop a-.example.com", 2, /not a valid host name/],
  ["apps:domains-add shop a..example.com", 2, /empty label/],
  ["apps:domains-add shop a_b.example.com", 2, /not a valid host name/],
  ["apps:domains-add shop 10.0.0.1", 2, /IP address/],
  ["apps:domains-add shop 'exa mple.com'", 2, /not a valid host name/],
  ["apps:domains-add shop https://shop.example.com", 2, /not a valid host name/],
  ["apps:domains-add shop shop.example.com/x", 2, /not a valid host name/],
  [`apps:domains-add shop ${"a".repeat(64)}.com`, 2, /63/],
  [`apps:domains-add shop ${"ab.".repeat(85)}com`, 2, /253/],
  ["apps:domains-add shop bücher.de", 2, /not a valid host name/],
  ["apps:domains-add shop www.shop.example", 1, /already a domain/],
  ["apps:domains-add shop shop.qs.test", 1, /base domain/],
  ["apps:domains-add shop", 2, /missing arguments/],
  ["apps:domains-remove shop other.example", 1, /is not a domain/],
  ["apps:domains-remove shop 'x y'", 2, /domain "x y" needs at least two labels/],
  // sizes, cpu, memory
  ["apps:volumes-add shop cache /cache --size 1GB", 2, /not a quantity/],
  ["apps:volumes-add shop cache /cache --size -1Gi", 2, /not a quantity/],
  ["apps:volumes-add shop cache /cache --size 0", 2, /outside/],
  ["apps:volumes-add shop cache /cache --size 100Ki", 2, /outside/],
  ["apps:volumes-add shop cache /cache --size 1Ei", 2, /outside/],
  ["apps:volumes-add shop cache /cache --size 500m", 2, /milli-bytes/],
  ["apps:volumes-add shop cache /cache --size '1 Gi'", 2, /not a quantity/],
  ["apps:volumes-add shop cache /cache --size", 2, /needs a value/],
  ["apps:volumes-add shop cache /cache --storage-class 'Fast SSD'", 2, /storage class/],
  ["apps:resources-set shop --cpu 0", 2, /outside/],
  ["apps:resources-set shop --cpu -1", 2, /not a quantity/],
  ["apps:resources-set shop --cpu 1000", 2, /outside/],
  ["apps:resources-set shop --cpu half", 2, /not a quantity/],
  ["apps:resources-set shop --memory 1Mi", 2, /outside/],
  ["apps:resources-set shop --memory 512MB", 2, /not a quantity/],
  ["apps:resources-set shop --memory 100m", 2, /milli-bytes/],
  ["apps:resources-set shop -p clock --cpu 1", 2, /process type "clock" is not defined/],
  ["apps:resources-set shop", 2, /give --cpu, --memory or both/],
  ["apps:resources-set shop --gpu 1", 2, /unknown flag "--gpu"/],
  // scale
  ["apps:scale shop web", 2, /not a scale term/],
  ["apps:scale shop web=two", 2, /not a scale term/],
  ["apps:scale shop =2", 2, /not a scale term/],
  ["apps:scale shop web=2.5", 2, /not a scale term/],
  ["apps:scale shop Web=2", 2, /not valid/],
  ["apps:scale shop web=1 web=2", 2, /given twice/],
  ["apps:scale shop web=1234567", 2, /too large/],
  ["apps:scale shop web*2", 2, /not a scale term/],
  ["apps:scale shop web=51", 1, /above the limit of 50/],
  ["apps:scale shop web+50", 1, /above the limit of 50/],
  ["apps:scale shop worker-2", 2, /would have -1 replicas/],
  ["apps:scale shop clock=1", 2, /not defined/],
  ["apps:scale shop web=2 clock=1", 2, /not defined/],
  ["apps:scale shop web=-1", 2, /not valid/],
  // volumes and mount paths
  ["apps:volumes-add shop Data /data2", 2, /volume name "Data" is not valid/],
  ["apps:volumes-add shop da_ta /data2", 2, /not valid/],
  [`apps:volumes-add shop ${"v".repeat(31)} /data2`, 2, /not valid/],
  ["apps:volumes-add shop cache data", 2, /not absolute/],
  ["apps:volumes-add shop cache /", 2, /root directory/],
  ["apps:volumes-add shop cache /app/../etc", 2, /'\.\.'/],
  ["apps:volumes-add shop cache /a//b", 2, /segments/],
  ["apps:volumes-add shop cache /proc/x", 2, /system directory/],
  ["apps:volumes-add shop cache '/my data'", 2, /characters/],
  ["apps:volumes-add shop cache '/x$(id)'", 2, /characters/],
  ["apps:volumes-add shop data /other", 1, /already/],
  ["apps:volumes-add shop cache /data/cache", 1, /overlaps/],
  ["apps:volumes-add shop cache", 2, /missing arguments/],
  ["apps:volumes-remove shop data", 2, /needs confirmation/],
  ["apps:volumes-remove shop nope --confirm shop", 1, /no volume named nope/],
  // releases, checks, builder, branch
  ["apps:rollback shop latest", 2, /not a release/],
  ["apps:rollback shop v0", 2, /not a release/],
  ["apps:rollback shop v99", 1, /no release v99/],
  ["apps:checks-set shop --path health", 2, /not valid/],
  ["apps:checks-set shop --path '/a b'", 2, /not valid/],
  ["apps:checks-set shop", 2, /exactly one of --path and --tcp/],
  ["apps:checks-set shop --path /h --tcp", 2, /exactly one/],
  ["apps:builder-set shop heroku", 2, /not auto or dockerfile/],
  ["apps:builder-set shop --engine docker", 2, /not kaniko, buildkit or default/],
  ["apps:builder-set shop --dockerfile ../Dockerfile", 2, /inside the repository/],
  ["apps:builder-set shop --dockerfile /etc/passwd", 2, /inside the repository/],
  ["apps:builder-set shop", 2, /nothing to set/],
  ["apps:branch-set shop 'a b'", 2, /space/],
  ["apps:branch-set shop a..b", 2, /'\.\.'/],
  ["apps:branch-set shop x.lock", 2, /\.lock/],
  ["apps:branch-set shop -- -main", 2, /starts with '-'/],
  ["apps:branch-set shop 'a@{1}'", 2, /@\{/],
  ["apps:branch-set shop 'a~1'", 2, /~/],
  // quoting and unknown flags/commands
  ["apps:config-set shop A='unterminated", 2, /unbalanced ' quote/],
  [`apps:config-set shop A="unterminated`, 2, /unbalanced " quote/],
  ["apps:config-set shop A=trailing\\", 2, /ends with a backslash/],
  [`apps:info "shop`, 2, /unbalanced/],
  ["apps:list --all", 2, /unknown flag "--all"/],
  ["apps:list extra", 2, /unexpected argument/],
  ["apps:info shop -v", 2, /unknown flag "-v"/],
  ["apps:info shop --verbose=1", 2, /unknown flag "--verbose"/],
  ["apps:scale shop --web=2", 2, /unknown flag "--web"/],
  ["apps:domains shop --all", 2, /unknown flag/],
  ["version --short", 2, /unknown flag/],
  ["apps:fly shop", 2, /unknown command "apps:fly"/],
  ["rm -rf /", 2, /unknown command "rm"/],
  ["'apps:list;id'", 2, /unknown command/],
  ["sh -c id", 2, /unknown command "sh"/],
];

describe("bad-input table", () => {
  let env: ReturnType<typeof fakeServices>;
  let before: string;

  beforeAll(async () => {
    env = fakeServices();
    const ok = async (line: string) => {
      const io = captureIO();
      const code = await runCommandLine(line, admin, io, env.services, new AbortController().signal);
      if (code !== 0) throw new Error(`${line}: ${io.err()}`);
    };
    await ok("apps:create shop");
    await env.releases.deploy(
      { app: "shop", image: "r/shop@sha256:1", gitSha: "a".repeat(40), processes: { web: "w", worker: "k" }, author: "admin", description: "Deploy" },
      { line: () => undefined },
    );
    await ok("apps:config-set shop A=1");
    await ok("apps:domains-add shop www.shop.example");
    await ok("apps:volumes-add shop data /data");
    await ok("apps:scale shop web=1 worker=1");
    before = env.snapshot();
  });

  it("has at least 100 cases", () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(100);
  });

  it.each(BAD_INPUTS)("%s → exit %i", async (line, code, message) => {
    const io = captureIO();
    const exit = await runCommandLine(line, admin, io, env.services, new AbortController().signal);
    expect(io.err()).toMatch(message);
    // --json asks for machine-readable errors; everything else gets "error: …" and a hint.
    expect(io.err()).toMatch(line.includes("--json") ? /^\{"error":\{"code":"USAGE"/ : /^error: /);
    expect(io.out()).toBe("");
    expect(exit).toBe(code);
    expect(env.snapshot()).toBe(before);
  });
});
