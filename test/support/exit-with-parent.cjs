/**
 * Preloaded (`node --require`) into every service process the fault tests spawn: the service exits
 * when the test process that spawned it is gone, even if that one was killed before its afterAll
 * ran (the orphan is then re-parented, so its parent pid changes). Not through stdin: a preload
 * reading stdin stalls the `--import tsx` loader.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(70);
}, 500).unref();
