import type { CheckOutcome, HealthCheck } from "@qs/core";
import { type KubeApis, isNotFound } from "../apis.ts";

/** An order still not done after this long is stuck, not in progress. */
export const ORDER_STUCK_MINUTES = 15;

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly creationTimestamp?: string;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}

/** The cert-manager ACME Order fields the check reads (acme.cert-manager.io/v1). */
export interface OrderObject {
  readonly metadata?: Meta;
  readonly spec?: { readonly dnsNames?: readonly string[]; readonly commonName?: string };
  /** state: pending, processing, ready, valid, invalid, expired or errored. */
  readonly status?: { readonly state?: string; readonly reason?: string };
}

/** The cert-manager ACME Challenge fields the check reads. */
export interface ChallengeObject {
  readonly metadata?: Meta;
  readonly spec?: { readonly dnsName?: string; readonly type?: string };
  readonly status?: { readonly state?: string; readonly reason?: string };
}

const FAILED = new Set(["invalid", "errored", "expired"]);
const DONE = new Set(["valid", ...FAILED]);

/**
 * The newest ACME order of each certificate has not failed and is not stuck pending. Old
 * failed orders followed by a valid one are history, not a problem.
 */
export function acmeOrdersCheck(apis: KubeApis, now: () => number = Date.now): HealthCheck {
  return {
    id: "acme-orders",
    title: "Certificate orders (cert-manager ACME) not failing or stuck",
    async run(): Promise<CheckOutcome> {
      let orders: readonly OrderObject[];
      let challenges: readonly ChallengeObject[];
      try {
        [orders, challenges] = await Promise.all([
          apis.custom<OrderObject>("acme.cert-manager.io/v1", "orders").listAll().then((l) => l.items),
          apis.custom<ChallengeObject>("acme.cert-manager.io/v1", "challenges").listAll().then((l) => l.items),
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The certificates check already warns that cert-manager is missing.
        return { status: "ok", finding: "skipped: cert-manager's ACME API (orders.acme.cert-manager.io) is not installed" };
      }
      return judgeOrders(orders, challenges, now());
    },
  };
}

const nameOf = (o: OrderObject): string => o.spec?.dnsNames?.[0] ?? o.spec?.commonName ?? o.metadata?.name ?? "";
const keyOf = (o: OrderObject): string => `${o.metadata?.namespace ?? ""}/${[...(o.spec?.dnsNames ?? [o.spec?.commonName ?? o.metadata?.name ?? ""])].sort().join(",")}`;
const created = (o: { metadata?: Meta }): number => Date.parse(o.metadata?.creationTimestamp ?? "") || 0;

/** The verdict on orders and their challenges at `nowMs` (pure, for tests). */
export function judgeOrders(orders: readonly OrderObject[], challenges: readonly ChallengeObject[], nowMs: number): CheckOutcome {
  const newest = new Map<string, OrderObject>();
  for (const o of orders) {
    const k = keyOf(o);
    const seen = newest.get(k);
    if (seen === undefined || created(o) >= created(seen)) newest.set(k, o);
  }
  let warn: CheckOutcome | undefined;
  for (const order of newest.values()) {
    const state = order.status?.state ?? "pending";
    const domain = nameOf(order);
    const ns = order.metadata?.namespace ?? "";
    const challenge = challenges.find((c) => c.metadata?.namespace === ns && c.spec?.dnsName === domain && c.status?.state !== "valid");
    const why = (challenge?.status?.reason ?? order.status?.reason ?? "").replace(/\s+/g, " ").slice(0, 200);
    const request = order.metadata?.ownerReferences?.find((r) => r.kind === "CertificateRequest")?.name;
    const retry = request === undefined ? `kubectl -n ${ns} describe order ${order.metadata?.name ?? ""}` : `then retry at once: kubectl -n ${ns} delete certificaterequest ${request}`;
    const reach = `check that ${domain} resolves to this server and http://${domain}/.well-known/acme-challenge/ reaches it on port 80 (Let's Encrypt's HTTP-01 check), ${retry}`;
    if (FAILED.has(state)) {
      return { status: "fail", finding: `the certificate order for ${domain} is ${state}${why === "" ? "" : ` (${why})`}`, fix: reach };
    }
    const minutes = Math.floor((nowMs - created(order)) / 60_000);
    if (!DONE.has(state) && minutes >= ORDER_STUCK_MINUTES) {
      warn ??= {
        status: "warn",
        finding: `the certificate order for ${domain} has been ${state} for ${minutes} minutes${why === "" ? "" : ` (${challenge?.spec?.type ?? "challenge"}: ${why})`}`,
        fix: reach,
      };
    }
  }
  if (warn !== undefined) return warn;
  const pending = [...newest.values()].filter((o) => !DONE.has(o.status?.state ?? "pending")).length;
  return {
    status: "ok",
    finding: newest.size === 0 ? "no certificate orders" : `${newest.size} certificate order${newest.size === 1 ? "" : "s"} valid${pending === 0 ? "" : ` or in progress (${pending} pending)`}`,
  };
}
