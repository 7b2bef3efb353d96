import type { V1PodSecurityContext, V1SecurityContext } from "@kubernetes/client-node";

/** Pod-level hardening shared by app Deployments and release Jobs. */
export function podSecurityContext(): V1PodSecurityContext {
  return { seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level hardening: no privilege escalation, no Linux capabilities. */
export function containerSecurityContext(): V1SecurityContext {
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
