import type { CheckOutcome, HealthCheck } from "@qs/core";
import { type KubeApis, isNotFound } from "../apis.ts";

/** A certificate that ends within this many days is a warning (cert-manager renews at 30). */
export const CERT_WARN_DAYS = 14;
/** … and within this many a failure: renewal has not worked for weeks. */
export const CERT_FAIL_DAYS = 3;

/** The cert-manager Certificate fields the check reads. */
export interface CertificateObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: { readonly dnsNames?: readonly string[] };
  readonly status?: {
    readonly notAfter?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
  };
}

/** Every app certificate issued and not close to expiry (cert-manager.io/v1). */
export function certificatesCheck(apis: KubeApis, now: () => number = Date.now): HealthCheck {
  return {
    id: "certificates",
    title: "TLS certificates issued and not expiring",
    async run(): Promise<CheckOutcome> {
      let certs: readonly CertificateObject[];
      try {
        certs = (await apis.custom<CertificateObject>("cert-manager.io/v1", "certificates").listAll()).items;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return { status: "warn", finding: "cert-manager is not installed: custom domains get no certificates", fix: "install it as install.sh does (scripts/install.sh installs cert-manager)" };
      }
      return judgeCertificates(certs, now());
    },
  };
}

/** The verdict on a certificate list at time `nowMs` (pure, for tests). */
export function judgeCertificates(certs: readonly CertificateObject[], nowMs: number): CheckOutcome {
  let warn: CheckOutcome | undefined;
  for (const cert of certs) {
    const name = cert.spec?.dnsNames?.[0] ?? cert.metadata?.name ?? "";
    const where = `${cert.metadata?.namespace ?? ""}/${cert.metadata?.name ?? ""}`;
    const ready = cert.status?.conditions?.find((c) => c.type === "Ready");
    const notAfter = cert.status?.notAfter === undefined ? Number.NaN : Date.parse(cert.status.notAfter);
    const days = Math.floor((notAfter - nowMs) / 86_400_000);
    if (ready?.status !== "True" && !(days > CERT_FAIL_DAYS)) {
      return {
        status: "fail",
        finding: `certificate for ${name} is not issued (${(ready?.reason ?? "pending")}${ready?.message === undefined ? "" : `: ${ready.message.slice(0, 160)}`})`,
        fix: `check that ${name} points at this server (DNS) and port 80 is open; details: kubectl describe certificate -n ${where.replace("/", " ")}`,
      };
    }
    if (days <= CERT_FAIL_DAYS) {
      return { status: "fail", finding: `certificate for ${name} expires in ${Math.max(days, 0)} days`, fix: `renewal is failing: kubectl describe certificate -n ${where.replace("/", " ")} and its orders (kubectl get orders -n ${cert.metadata?.namespace ?? ""})` };
    }
    if (days <= CERT_WARN_DAYS) {
      warn ??= { status: "warn", finding: `certificate for ${name} expires in ${days} days and has not renewed`, fix: `see why: kubectl describe certificate -n ${where.replace("/", " ")}` };
    }
  }
  return warn ?? { status: "ok", finding: certs.length === 0 ? "no certificates to check" : `${certs.length} certificate${certs.length === 1 ? "" : "s"} valid for more than ${CERT_WARN_DAYS} days` };
}
