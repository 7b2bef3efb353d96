import { resolve4 } from "node:dns/promises";
import type { AppStore, CheckOutcome, HealthCheck } from "@qs/core";
import type { KubeApis } from "../apis.ts";

/** Resolves a name to IPv4 addresses (node:dns resolve4 by default; tests pass their own). */
export type Resolver = (name: string) => Promise<string[]>;

/** Options of dnsCheck. */
export interface DnsCheckOptions {
  readonly apis: KubeApis;
  readonly apps: AppStore;
  /** Addresses the server is reached at besides its nodes' (a floating IP, a load balancer). */
  readonly publicAddresses?: readonly string[];
  /** @defaultValue node:dns resolve4 */
  readonly resolve?: Resolver;
}

/** Each app's custom domain resolves to one of the nodes (or a configured public address). */
export function dnsCheck(options: DnsCheckOptions): HealthCheck {
  const resolve = options.resolve ?? resolve4;
  return {
    id: "dns",
    title: "App domains point at a node",
    async run(): Promise<CheckOutcome> {
      const nodes = (await options.apis.nodes.list()).items;
      const ours = new Set(options.publicAddresses ?? []);
      for (const n of nodes) for (const a of n.status?.addresses ?? []) if (a.type === "ExternalIP" || a.type === "InternalIP") ours.add(a.address);
      const domains = (await options.apps.list()).flatMap((app) => app.spec.domains.filter((d) => !d.startsWith("*.")).map((d) => ({ app: app.name, domain: d })));
      const list = [...ours].join(", ");
      for (const { app, domain } of domains) {
        let addresses: string[];
        try {
          addresses = await resolve(domain);
        } catch (err) {
          const code = (err as { code?: string }).code ?? "error";
          return { status: "fail", finding: `${domain} (${app}) does not resolve (${code})`, fix: `add an A record ${domain} → ${list || "the server's public address"} at your DNS provider` };
        }
        if (!addresses.some((a) => ours.has(a))) {
          return {
            status: "fail",
            finding: `${domain} (${app}) points at ${addresses.join(", ")}, not at a node (${list})`,
            fix: `change the A record of ${domain} to ${list || "the server's public address"}; certificates cannot be issued until it points here`,
          };
        }
      }
      return { status: "ok", finding: domains.length === 0 ? "no custom domains to check" : `${domains.length} domain${domains.length === 1 ? "" : "s"} point at a node` };
    },
  };
}
