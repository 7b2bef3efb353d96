import type { KubeObject } from "../rest/wire.ts";
import { type RenderInput, processTypes } from "./context.ts";
import { buildDeployment } from "./deployment.ts";
import { buildHorizontalPodAutoscaler } from "./autoscaler.ts";
import { buildNetworkPolicy } from "./network-policy.ts";
import { buildPullSecret } from "./pull-secret.ts";
import { buildPvc } from "./volumes.ts";
import { buildIngress, buildService } from "./web.ts";

/**
 * Everything the reconciler keeps in an app's namespace, as pure data: the NetworkPolicy
 * and PVCs always; Deployments (and Service + Ingress for web) once a release is set.
 */
export function renderApp(input: RenderInput): KubeObject[] {
  const objects: KubeObject[] = [buildNetworkPolicy(input)];
  const auth = input.options.registryAuth;
  if (auth !== undefined) objects.push(buildPullSecret(input, auth));
  for (const volume of input.spec.volumes) objects.push(buildPvc(input, volume));
  const release = input.release;
  if (release === undefined) return objects;
  const types = processTypes(release);
  for (const process of types) {
    objects.push(buildDeployment(input, release, process));
    const autoscale = input.spec.processes[process]?.autoscale;
    if (autoscale !== undefined) objects.push(buildHorizontalPodAutoscaler(input, process, autoscale));
  }
  if (types.includes("web")) objects.push(buildService(input), buildIngress(input));
  return objects;
}
