// Page weight of the status pages (issue 8: each page under 50 KB): bytes per page as
// served, and gzipped, for a realistic cluster: 10 apps and 3 nodes with a full day of
// 30 s samples each. Run: node scripts/bench/page-weight.ts
import { gzipSync } from "node:zlib";
import { CookieClient, createPagesHarness, sampleApp } from "../../test/support/fakes/web/index.ts";

const apps = Array.from({ length: 10 }, (_, i) => sampleApp(`app-${i}`));
const nodes = ["vps1", "vps2", "vps3"].map((name) => ({
  name,
  status: "Ready",
  roles: name === "vps1" ? ["control-plane"] : [],
  version: "v1.31.4+k3s1",
  cpuCapacityMillicores: 4000,
  memoryCapacityBytes: 8 * 1024 ** 3,
  cpuUsageMillicores: 900,
  memoryUsageBytes: 3 * 1024 ** 3,
}));
const h = await createPagesHarness({
  users: [{ name: "root", role: "admin", password: "bench-password" }],
  apps,
  nodes,
  options: { require2fa: false },
});
const series = [...apps.map((a) => `app:${a.name}` as const), ...nodes.map((n) => `node:${n.name}` as const)];
for (const s of series)
  for (let t = 0; t < 2880; t++)
    await h.metrics.append(s, { at: h.clock.now() - t * 30_000, cpuMillicores: 100 + ((t * 37) % 400), memoryBytes: 2e8 + ((t * 7919) % 1e8) });

const client = new CookieClient(h.app);
const loginPage = await (await client.request("/login")).text();
const login = await client.login({ user: "root", password: "bench-password" });
if (login.status !== 303) throw new Error(`bench login failed: ${login.status}`);

const pages: Array<[string, string]> = [["/login", loginPage]];
for (const path of ["/", "/apps/app-0", "/nodes", "/static/qs.css", "/static/live.js"]) {
  const res = await client.request(path);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  pages.push([path, await res.text()]);
}

console.log("status page weight (10 apps, 3 nodes, 24 h of samples)");
for (const [path, body] of pages) {
  const bytes = Buffer.byteLength(body);
  const gz = gzipSync(body).length;
  console.log(`  ${path.padEnd(18)} ${String(bytes).padStart(7)} bytes  ${String(gz).padStart(6)} gzipped${bytes > 50_000 ? "  OVER 50 KB" : ""}`);
}
