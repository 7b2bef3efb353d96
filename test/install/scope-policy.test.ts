import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./support.ts";

// The admission policy's CEL, evaluated with a CEL implementation against admission
// requests shaped like the API server's (the API double does not serve admission policies).

interface Policy {
  spec: {
    matchConditions: { expression: string }[];
    validations: { expression: string; messageExpression: string }[];
  };
}
const [policy] = parseAllDocuments(
  readFileSync(join(repoRoot, "deploy/policy/scope-policy.yaml"), "utf8"),
).map((d) => d.toJS() as Policy);
const condition = policy!.spec.matchConditions[0]!.expression;
const validations = policy!.spec.validations;
const validation = validations[0]!;

const SA = "system:serviceaccount:qs-system:quickstack";

/** An AdmissionRequest as CEL sees it (`request.*`). */
function request(
  operation: string,
  resource: string,
  namespace: string,
  name: string,
  username = SA,
): Record<string, unknown> {
  return {
    request: {
      operation,
      name,
      namespace,
      resource: { group: "", version: "v1", resource },
      userInfo: { username },
    },
  };
}

/** "skip" when the policy does not apply, else whether it admits the request. */
function decide(input: Record<string, unknown>): "skip" | boolean {
  if (evaluate(condition, input) !== true) return "skip";
  return validations.every((v) => evaluate(v.expression, input) === true);
}

describe("quickstack-control-plane-scope admission policy", () => {
  it.each([
    ["CREATE", "namespaces", "", "qs-app-shop", true],
    ["DELETE", "namespaces", "", "qs-app-shop", true],
    ["DELETE", "namespaces", "", "qs-system", false],
    ["DELETE", "namespaces", "", "kube-system", false],
    ["CREATE", "namespaces", "", "evil", false],
    ["CREATE", "deployments", "qs-app-shop", "web", true],
    ["UPDATE", "secrets", "qs-system", "quickstack-user-ada", true],
    ["CREATE", "jobs", "qs-builds", "build-1", true],
    ["DELETE", "namespaces", "", "qs-builds", false],
    ["CONNECT", "pods", "qs-app-shop", "web-1", true],
    ["CREATE", "deployments", "kube-system", "miner", false],
    ["DELETE", "secrets", "default", "x", false],
    ["CONNECT", "pods", "kube-system", "coredns-1", false],
    ["CREATE", "deployments", "qs-apps", "x", false],
    // Its Secrets role is bound in app namespaces only (deploy/base/rbac/app-namespace-role.yaml).
    ["CREATE", "rolebindings", "qs-app-shop", "quickstack-control-plane", true],
    ["DELETE", "rolebindings", "qs-app-shop", "quickstack-control-plane", true],
    ["CREATE", "rolebindings", "qs-builds", "quickstack-control-plane", false],
    ["CREATE", "rolebindings", "qs-system", "x", false],
    ["CREATE", "rolebindings", "kube-system", "x", false],
  ] as const)("%s %s in %j named %s: admitted=%s", (op, resource, ns, name, admitted) => {
    expect(decide(request(op, resource, ns, name))).toBe(admitted);
  });

  it("applies only to the control plane's ServiceAccount", () => {
    expect(decide(request("CREATE", "deployments", "kube-system", "x", "admin"))).toBe("skip");
    expect(
      decide(
        request(
          "CREATE",
          "deployments",
          "kube-system",
          "x",
          "system:serviceaccount:qs-system:other",
        ),
      ),
    ).toBe("skip");
  });

  it("says what was refused", () => {
    const message = evaluate(
      validation.messageExpression,
      request("CREATE", "deployments", "kube-system", "miner"),
    );
    expect(message).toBe(
      "the QuickStack control plane may only change qs-app-* namespaces and objects in qs-app-*, qs-system or qs-builds, not deployments miner in kube-system",
    );
    expect(evaluate(validations[1]!.messageExpression, request("CREATE", "rolebindings", "qs-builds", "x"))).toBe(
      "the QuickStack control plane may bind roles only in qs-app-* namespaces, not in qs-builds",
    );
    expect(evaluate(validation.messageExpression, request("DELETE", "namespaces", "", "x"))).toBe(
      "the QuickStack control plane may only change qs-app-* namespaces and objects in qs-app-*, qs-system or qs-builds, not namespaces x",
    );
  });
});
