import { beforeEach, describe, expect, it } from "vitest";
import type { CheckResult, Principal } from "@qs/core";
import { admin, captureIO, dev, fakeServices } from "../../../../test/support/fakes/index.ts";
import { runCommandLine } from "../dispatch.ts";

let env: ReturnType<typeof fakeServices>;
let results: CheckResult[];

async function run(line: string, who: Principal = admin) {
  const io = captureIO("");
  const services = { ...env.services, doctor: { run: () => Promise.resolve(results) } };
  const code = await runCommandLine(line, who, io, services, new AbortController().signal);
  return { code, out: io.out(), err: io.err() };
}

beforeEach(() => {
  env = fakeServices();
  results = [
    { id: "nodes", title: "Nodes", status: "ok", finding: "1 node Ready (qs-1)" },
    { id: "registry", title: "Registry", status: "ok", finding: "registry answers" },
  ];
});

describe("doctor", () => {
  it("reports all checks passing with exit 0", async () => {
    const res = await run("doctor");
    expect(res.code).toBe(0);
    expect(res.out).toBe("ok    nodes     1 node Ready (qs-1)\nok    registry  registry answers\nAll 2 checks pass.\n");
  });

  it("shows each finding with its fix and exits 1 when something is wrong, also with --json", async () => {
    results = [
      { id: "nodes", title: "Nodes", status: "fail", finding: "node qs-2 is NotReady (KubeletNotReady)", fix: "on qs-2: systemctl status k3s-agent" },
      { id: "certificates", title: "Certificates", status: "warn", finding: "certificate for shop.example.com expires in 9 days", fix: "kubectl describe certificate" },
      { id: "dns", title: "DNS", status: "ok", finding: "1 domain points at a node", fix: "unused" },
    ];
    const res = await run("doctor");
    expect(res.code).toBe(1);
    expect(res.out).toContain("FAIL  nodes         node qs-2 is NotReady (KubeletNotReady)\n                    fix: on qs-2: systemctl status k3s-agent\n");
    expect(res.out).toContain("WARN  certificates  certificate for shop.example.com expires in 9 days\n");
    expect(res.out).not.toContain("unused");
    expect(res.out).toContain("1 failing, 1 warning of 3 checks.");
    const json = await run("doctor --json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({ status: "fail", checks: results });
  });

  it("prints a finding with control characters on one escaped line", async () => {
    results = [{ id: "nodes", title: "Nodes", status: "fail", finding: "node x is NotReady (\u001b[2Jgone\nfake)", fix: "look" }];
    const res = await run("doctor");
    expect(res.out).not.toContain("\u001b");
    expect(res.out.split("\n")[0]).toContain("NotReady (\\x1b[2Jgone\\nfake)");
  });

  it("is for admins only", async () => {
    const res = await run("doctor", dev);
    expect(res.code).not.toBe(0);
    expect(res.err).toContain("admin");
  });
});
