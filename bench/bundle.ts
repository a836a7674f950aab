import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE, ROOT } from './lib/server';
import { kib, type Row } from './lib/table';

export function benchBundle(): Row[] {
  const bundle = readFileSync(BUNDLE);
  const rows: Row[] = [
    {
      figure: 'server bundle server/dist/index.js',
      value: `${kib(bundle.length)} (gzip ${kib(gzipSync(bundle).length)})`,
      target: '—',
    },
  ];
  for (const name of readdirSync(ROOT).filter((file) => file.endsWith('.vsix'))) {
    rows.push({ figure: `VSIX ${name}`, value: kib(statSync(join(ROOT, name)).size), target: '—' });
  }
  return rows;
}
