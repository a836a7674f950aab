// `npm run bench`: every figure measured side by side in one run against the rig; prints one table and writes it,
// with the date and the machine, to bench/results.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { startRig, type Rig } from '../test/rig';
import { benchBundle } from './bundle';
import { benchCoalescing } from './coalescing';
import { benchEconomy, SESSION, type EconomyResult } from './economy';
import { benchLatency } from './latency';
import { benchLayers } from './layers';
import { benchMemory } from './memory';
import { benchOutput } from './output';
import { benchRoundTrips } from './roundTrips';
import { benchTools } from './tools';
import { BUNDLE, ROOT } from './lib/server';
import { markdownTable, plainTable, type Row } from './lib/table';

const REDIS_BENCH = join(__dirname, 'redis-bench.ts');
const RESULTS = join(__dirname, 'results.md');

type RowProducer = (context: { rig: Rig; bundle: string }) => Promise<Row | Row[]> | Row | Row[];

/**
 * The shared-cache figures come from bench/redis-bench.ts when it exists: a module exporting a function (named
 * `benchRedis`, `run` or default) that returns rows, or a script printing rows as JSON lines.
 */
async function redisRows(rig: Rig): Promise<Row[]> {
  if (!existsSync(REDIS_BENCH)) return [];
  const source = readFileSync(REDIS_BENCH, 'utf8');
  if (/^export\s/m.test(source)) {
    const module = (await import(REDIS_BENCH)) as Record<string, unknown>;
    const produce = [module.benchRedis, module.run, module.default].find((value) => typeof value === 'function') as
      | RowProducer
      | undefined;
    if (produce) return [(await produce({ rig, bundle: BUNDLE }))].flat();
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', REDIS_BENCH], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`bench/redis-bench.ts exited ${run.status}: ${run.stderr.slice(-1000)}`);
  return run.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Row)
    .filter((row) => typeof row.figure === 'string' && typeof row.value === 'string');
}

function machine(): string {
  const cores = cpus();
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  return `${cores[0]?.model.trim() ?? 'unknown cpu'}, ${cores.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `Node ${process.version}, ${process.platform}/${process.arch}; load average at start ${load}`;
}

function sessionDetail(economy: EconomyResult): string {
  const lines = [
    '| # | call | (a) our server | (b) no cache | (c) restarted |',
    '|---|---|---|---|---|',
  ];
  SESSION.forEach(([tool, args], index) => {
    const cell = (run: EconomyResult['cached']) => {
      const tally = run.perCall[index].tally;
      return tally.manifestGet > 0 ? `${tally.total} (${tally.manifestGet} GET)` : `${tally.total}`;
    };
    const call = `${tool} ${Object.values(args).join(' ')}`;
    lines.push(`| ${index + 1} | \`${call}\` | ${cell(economy.cached)} | ${cell(economy.uncached)} | ${cell(economy.restarted)} |`);
  });
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error('server/dist/index.js is missing: run `node esbuild.mjs server` first');
  const started = Date.now();
  const host = machine();
  const rig = await startRig();
  const rows: Row[] = [];
  const notes: string[] = [];
  let economy: EconomyResult;
  let toolDetail = '';
  try {
    economy = await benchEconomy(rig);
    rows.push(...economy.rows);
    rows.push(...(await benchCoalescing(rig)));
    rows.push(...(await benchLatency(rig)));
    rows.push(...(await benchRoundTrips(rig)));
    rows.push(...(await benchMemory(rig)));
    rows.push(...(await benchLayers(rig)));
    const output = await benchOutput(rig);
    rows.push(...output.rows);
    notes.push(...output.notes);
    const tools = await benchTools(rig);
    rows.push(...tools.rows);
    toolDetail = tools.detail;
    rows.push(...(await redisRows(rig)));
    rows.push(...benchBundle());
  } finally {
    await rig.stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const failed = rows.filter((row) => row.pass === false).length;
  console.log(plainTable(rows));
  console.log(`\n${failed === 0 ? 'all targets met' : `${failed} target(s) missed`} (${seconds} s)`);

  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  writeFileSync(
    RESULTS,
    [
      '# Benchmark results',
      '',
      `Measured ${when} in ${seconds} s on ${host}.`,
      '',
      '`npm run bench` (bench/run.ts) drives the built server over stdio against the test rig: a real docker-registry',
      'behind a Docker Hub-like proxy, and the Hub / Scout emulator. Every figure comes from one run, side by side;',
      'ratios, medians and counts rather than single absolute times. "(b) no cache" is this server with',
      '`DOCKERHUB_MCP_INTERNAL_NO_CACHE=1` (no cache, no coalescing): a server that asks upstream for everything.',
      '',
      markdownTable(rows),
      '',
      '## The session, call by call',
      '',
      'Upstream requests of each call (registry, token server, CDN, Hub); "GET" counts manifest GETs, the requests',
      'Docker Hub counts as pulls.',
      '',
      sessionDetail(economy),
      '',
      '## Where the output bytes go',
      '',
      ...notes.map((note) => `- ${note}`),
      '',
      '## Tool definitions, per tool (with a login)',
      '',
      toolDetail,
      '',
    ].join('\n'),
  );
  console.log(`written to ${RESULTS}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
