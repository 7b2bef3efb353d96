import { type KubeApis, createKubeApis, loadKubeConnection } from "@qs/kube";
import { type KubeDouble, type KubeDoubleOptions, startKubeDouble } from "../kube-double/src/index.ts";

/** The API double and QuickStack's API handles on it. */
export interface DoubleWithApis {
  readonly double: KubeDouble;
  readonly apis: KubeApis;
  /** Closes the client's connections, then the double. */
  readonly close: () => Promise<void>;
}

/** Starts the API double and connects QuickStack's REST client to it. */
export async function startDoubleWithApis(options: KubeDoubleOptions = {}): Promise<DoubleWithApis> {
  const double = await startKubeDouble(options);
  const apis = createKubeApis(loadKubeConnection(double.kubeconfigPath));
  return {
    double,
    apis,
    close: async () => {
      apis.rest.close();
      await double.close();
    },
  };
}
