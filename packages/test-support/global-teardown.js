/** Stops whatever containers the global setup started. */
module.exports = async function globalTeardown() {
  const started = globalThis.__COMMUNITIES_CONTAINERS__ ?? [];
  await Promise.all(started.map((container) => container.stop()));
};
