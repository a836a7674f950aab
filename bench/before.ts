// `BENCH_BUNDLE=<an earlier build>/server/dist/index.js node --import tsx bench/before.ts`: the start-up and round-trip
// figures of bench/run.ts (`--startup`: start-up only; `--answers`: the answer sizes of the fixed calls only),
// measured by the same code against another build of the server (an earlier commit built in a temporary worktree).
// Prints the rows; their values are what bench/results.md shows as "before".
import { startRig } from '../test/rig';
import { coldStart } from './latency';
import { answerSizes } from './output';
import { rssAfterStart } from './memory';
import { benchRoundTrips } from './roundTrips';
import { BUNDLE } from './lib/server';
import { plainTable, type Row } from './lib/table';

async function main(): Promise<void> {
  const rig = await startRig();
  const rows: Row[] = [];
  try {
    if (process.argv.includes('--answers')) {
      const sizes = await answerSizes(rig);
      rows.push(...sizes.rows);
      console.log(sizes.notes.join('\n'));
    } else {
      rows.push(...(await coldStart(rig)));
      rows.push(...(await rssAfterStart(rig)));
      if (!process.argv.includes('--startup')) rows.push(...(await benchRoundTrips(rig)));
    }
  } finally {
    await rig.stop();
  }
  console.log(`bundle: ${BUNDLE}`);
  console.log(plainTable(rows));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
