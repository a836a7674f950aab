// Loaded with --require into the server under test by bench/roundTrips.ts, never shipped: records when each upstream
// request starts and ends (undici's diagnostics channels see every request, whatever dispatcher sent it); on SIGUSR2
// writes them to BENCH_ROUNDTRIP_FILE and starts over (stdout is the server's JSON-RPC channel).
const diagnostics = require('node:diagnostics_channel');
const { writeFileSync } = require('node:fs');

let records = [];
const open = new WeakMap();

diagnostics.subscribe('undici:request:create', ({ request }) => {
  const record = { method: request.method, url: `${request.origin}${request.path}`, start: performance.now(), end: undefined };
  open.set(request, record);
  records.push(record);
});
const finish = ({ request }) => {
  const record = open.get(request);
  if (record && record.end === undefined) record.end = performance.now();
};
diagnostics.subscribe('undici:request:trailers', finish);
diagnostics.subscribe('undici:request:error', finish);

process.on('SIGUSR2', () => {
  writeFileSync(process.env.BENCH_ROUNDTRIP_FILE, JSON.stringify(records));
  records = [];
});
