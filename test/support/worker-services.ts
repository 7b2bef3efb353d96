// Runs in each test worker before its files, so whole control planes in files running side
// by side keep apart what they name alike:
// - QS_TEST_REDIS_URL names a Redis database of the worker's own (1-15): build queues
//   ("qs:builds"), sessions and locks share fixed key names. Files that connect by host and
//   port alone stay on database 0, under names of their own.
// - QS_TEST_REGISTRY_URL names the worker's own registry (global-setup.ts starts one per
//   worker): e2e files all call their app "shop", and one destroying or pruning its images
//   took away another's (a rollback found "the image of shop v1 is no longer in the registry").
const pool = Number(process.env.VITEST_POOL_ID ?? "1");
const redis = process.env.QS_TEST_REDIS_URL;
if (redis !== undefined && new URL(redis).pathname.length <= 1) {
  const url = new URL(redis);
  url.pathname = `/${((pool - 1) % 15) + 1}`;
  process.env.QS_TEST_REDIS_URL = url.toString();
}
const registries = (process.env.QS_TEST_REGISTRY_URLS ?? "").split(",").filter(Boolean);
if (registries.length > 0) process.env.QS_TEST_REGISTRY_URL = registries[(pool - 1) % registries.length];
