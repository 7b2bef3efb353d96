import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis, startRegistry } from "./services.ts";

// One real redis-server and one docker-registry per test run, on free loopback ports.
// Tests read their addresses from QS_TEST_REDIS_URL / QS_TEST_REGISTRY_URL and keep to
// their own key prefixes, queue names and repositories.
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "qs-test-services-"));
  const redis = await startRedis(join(dir, "redis"));
  const registry = await startRegistry(join(dir, "registry"));
  process.env.QS_TEST_REDIS_URL = redis.url;
  process.env.QS_TEST_REGISTRY_URL = registry.url;
  return async () => {
    await Promise.allSettled([redis.stop(), registry.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
