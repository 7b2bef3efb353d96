import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis, startRegistry } from "./services.ts";
import { testWorkers } from "./workers.ts";

// One real redis-server per test run, and a docker-registry per worker, on free loopback
// ports. Tests read their addresses from QS_TEST_REDIS_URL / QS_TEST_REGISTRY_URL, which
// worker-services.ts points at the worker's own database and registry; within them they
// keep to their own key prefixes, queue names and repositories.
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "qs-test-services-"));
  const redis = await startRedis(join(dir, "redis"));
  const registries = await Promise.all(Array.from({ length: testWorkers }, (_, i) => startRegistry(join(dir, `registry-${i + 1}`))));
  process.env.QS_TEST_REDIS_URL = redis.url;
  process.env.QS_TEST_REGISTRY_URLS = registries.map((r) => r.url).join(",");
  process.env.QS_TEST_REGISTRY_URL = registries[0]?.url;
  return async () => {
    await Promise.allSettled([redis.stop(), ...registries.map((r) => r.stop())]);
    await rm(dir, { recursive: true, force: true });
  };
}
