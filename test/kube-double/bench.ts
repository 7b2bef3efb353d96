// Prints how long the double takes to take N apps (namespace, secret, service, deployment)
// to Available: `N=500 node test/kube-double/bench.ts` (TLS=0 for plain HTTP).
import * as k8s from "@kubernetes/client-node";
import { startKubeDouble } from "./src/index.ts";
const d = await startKubeDouble({ tls: process.env.TLS !== "0" });
const kc = new k8s.KubeConfig(); kc.loadFromFile(d.kubeconfigPath);
const apps = kc.makeApiClient(k8s.AppsV1Api); const core = kc.makeApiClient(k8s.CoreV1Api);
const t0 = Date.now();
const N = Number(process.env.N ?? 100);
for (let i = 0; i < N; i += 10) {
  await Promise.all(Array.from({ length: 10 }, async (_, j) => {
    const ns = `app-${i + j}`;
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "cfg" }, stringData: { A: "1" } } });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } } });
    await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: "web" }, spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "x:1" }] } } } } });
  }));
}
console.log("created", Date.now() - t0, "ms");
for (;;) {
  const l = await apps.listDeploymentForAllNamespaces();
  const ready = l.items.filter((x) => x.status?.availableReplicas === 1).length;
  if (ready === N) break;
  await new Promise((r) => setTimeout(r, 200));
}
console.log("all available", Date.now() - t0, "ms");
await d.close();
