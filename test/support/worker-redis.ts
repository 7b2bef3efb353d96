// Runs in each test worker before its files: QS_TEST_REDIS_URL names a Redis database of
// the worker's own (1-15), so whole control planes in files running side by side keep
// apart their build queues ("qs:builds"), sessions and locks, which share fixed key names.
// Files that connect by host and port alone stay on database 0, under names of their own.
const base = process.env.QS_TEST_REDIS_URL;
const pool = Number(process.env.VITEST_POOL_ID ?? "1");
if (base !== undefined && new URL(base).pathname.length <= 1) {
  const url = new URL(base);
  url.pathname = `/${((pool - 1) % 15) + 1}`;
  process.env.QS_TEST_REDIS_URL = url.toString();
}
