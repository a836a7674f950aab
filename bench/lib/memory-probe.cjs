// Loaded with --require into the server under test by bench/memory.ts, never shipped: on SIGUSR2 a full collection,
// then the process's memory figures into BENCH_MEMORY_FILE (stdout is the server's JSON-RPC channel).
const { writeFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  global.gc();
  writeFileSync(process.env.BENCH_MEMORY_FILE, JSON.stringify(process.memoryUsage()));
});
