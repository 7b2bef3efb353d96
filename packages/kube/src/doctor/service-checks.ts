import type { CheckOutcome, HealthCheck } from "@qs/core";

/** A service answers its health probe (Redis PING, the Kubernetes API …). */
export function pingCheck(id: string, title: string, ping: () => Promise<unknown>, fix: string): HealthCheck {
  return {
    id,
    title,
    async run(): Promise<CheckOutcome> {
      try {
        await ping();
        return { status: "ok", finding: `${title} answers` };
      } catch (err) {
        return { status: "fail", finding: `${title} does not answer: ${err instanceof Error ? err.message.slice(0, 160) : "error"}`, fix };
      }
    },
  };
}

/** The image registry answers its API root (`GET /v2/`: 200, or 401 when it wants credentials). */
export function registryCheck(url: string): HealthCheck {
  return {
    id: "registry",
    title: "Image registry",
    async run(signal): Promise<CheckOutcome> {
      const fix = "kubectl -n qs-system get pods -l app.kubernetes.io/name=registry; kubectl -n qs-system logs deploy/registry";
      try {
        const res = await fetch(new URL("/v2/", url), { signal });
        await res.body?.cancel();
        if (res.ok || res.status === 401) return { status: "ok", finding: `registry at ${url} answers` };
        return { status: "fail", finding: `registry at ${url} answers ${res.status}`, fix };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : "error");
        return { status: "fail", finding: `registry at ${url} does not answer (${cause}): pushes cannot build and new pods cannot pull`, fix };
      }
    },
  };
}

/** Builder images are pinned by digest, so a moved tag cannot change what builds run. */
export function pinnedImagesCheck(images: Readonly<Record<string, string | undefined>>): HealthCheck {
  return {
    id: "builder-images",
    title: "Builder images pinned by digest",
    run(): Promise<CheckOutcome> {
      const loose = Object.entries(images).filter(([, ref]) => ref !== undefined && !/@sha256:[0-9a-f]{64}$/.test(ref));
      const first = loose[0];
      if (first === undefined) return Promise.resolve({ status: "ok", finding: `${Object.keys(images).length} builder images pinned by digest` });
      return Promise.resolve({
        status: "warn",
        finding: `builder image ${first[0]} is ${first[1] ?? ""}, a tag that can move`,
        fix: `pin it: set QS_${first[0].toUpperCase()}_IMAGE to name:tag@sha256:<digest> (crane digest name:tag gives the digest)`,
      });
    },
  };
}
