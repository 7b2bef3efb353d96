import type { PodSecurityContext, SecurityContext } from "../rest/wire.ts";

/** Pod-level hardening shared by app Deployments and release Jobs. */
export function podSecurityContext(): PodSecurityContext {
  return { seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level hardening: no privilege escalation, no Linux capabilities. */
export function containerSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Procfile commands run through a shell, as on Heroku (`web: npm start -- --port $PORT`). */
export function shellCommand(command: string | undefined): { command?: string[] } {
  return command === undefined || command.trim() === "" ? {} : { command: ["/bin/sh", "-c", command] };
}
