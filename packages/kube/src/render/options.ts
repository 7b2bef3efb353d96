/** Credentials nodes use to pull app images from the in-cluster registry. */
export interface RegistryAuth {
  /** Registry host[:port] as it appears in image references. */
  readonly server: string;
  readonly username: string;
  readonly password: string;
}

/** Cluster-wide settings the renderers need; every field has a documented default. */
export interface RenderOptions {
  /** Apps get `<app>.<baseDomain>`. @defaultValue "localhost" */
  readonly baseDomain: string;
  /** PORT given to web processes and targeted by the Service. @defaultValue 5000 */
  readonly webPort: number;
  /** IngressClass of the ingress controller. @defaultValue "traefik" */
  readonly ingressClassName: string;
  /** cert-manager ClusterIssuer for TLS; undefined = no TLS section. @defaultValue "letsencrypt" */
  readonly clusterIssuer: string | undefined;
  /** Registry credentials rendered as a pull Secret into every app namespace; undefined = none. */
  readonly registryAuth: RegistryAuth | undefined;
  /** Deployment progressDeadlineSeconds. @defaultValue 120 */
  readonly progressDeadlineSeconds: number;
  /**
   * Deployment minReadySeconds: a pod must stay ready this long to count as available, so
   * a release that starts, passes one probe and then crashes never completes a rollout.
   * @defaultValue 5
   */
  readonly minReadySeconds: number;
  /** Default container resources when a process sets none. */
  readonly defaultCpuRequest: string;
  /** @defaultValue "256Mi" */
  readonly defaultMemory: string;
  /** Namespace of the control plane, Redis and registry: app pods may not reach it. @defaultValue "qs-system" */
  readonly systemNamespace: string;
  /** Namespace of the ingress controller, allowed to reach app pods. @defaultValue "kube-system" */
  readonly ingressNamespace: string;
  /** Pod and service CIDRs, excluded from the "internet" egress rule. @defaultValue k3s defaults */
  readonly clusterCidrs: readonly string[];
  /** Access mode of app volumes. @defaultValue "ReadWriteOnce" */
  readonly volumeAccessMode: "ReadWriteOnce" | "ReadWriteMany";
  /**
   * How long an autoscaler waits before it removes pods after the load falls. Kubernetes'
   * default is 300 s; a small VPS cluster gains from giving capacity back sooner, and one
   * minute still rides out a short lull. @defaultValue 60
   */
  readonly scaleDownStabilizationSeconds: number;
}

/** The defaults used when the composition root passes nothing. */
export const defaultRenderOptions: RenderOptions = {
  baseDomain: "localhost",
  webPort: 5000,
  ingressClassName: "traefik",
  clusterIssuer: "letsencrypt",
  registryAuth: undefined,
  progressDeadlineSeconds: 120,
  minReadySeconds: 5,
  defaultCpuRequest: "50m",
  defaultMemory: "256Mi",
  systemNamespace: "qs-system",
  ingressNamespace: "kube-system",
  clusterCidrs: ["10.42.0.0/16", "10.43.0.0/16"],
  volumeAccessMode: "ReadWriteOnce",
  scaleDownStabilizationSeconds: 60,
};

/** Fills in defaults. */
export function renderOptions(partial: Partial<RenderOptions> = {}): RenderOptions {
  return { ...defaultRenderOptions, ...partial };
}
