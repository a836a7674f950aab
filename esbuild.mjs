// Three bundles: the standalone server (one file, no node_modules beside it), the extension (CommonJS, vscode
// external) and the explorer webview (browser). `node esbuild.mjs [server|extension|webview]… [--watch]`.
import { build, context } from 'esbuild';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const wanted = args.filter((a) => !a.startsWith('--'));
const production = process.env.NODE_ENV !== 'development';

/**
 * zod's `z` namespace re-exports every locale (~260 KB of the server bundle, ~10 MB of RSS at start) and nothing here
 * uses one: zod sets its English messages itself (classic/schemas.js imports locales/en.js), so `z.locales` is left
 * with `en` alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: process.cwd(),
    }));
  },
};

const shared = {
  bundle: true,
  logLevel: 'warning',
  legalComments: 'none',
  minify: production,
  sourcemap: !production,
  plugins: [zodEnglishOnly],
};

const targets = {
  server: {
    ...shared,
    entryPoints: ['server/src/index.ts'],
    outfile: 'server/dist/index.js',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  },
  extension: {
    ...shared,
    entryPoints: ['extension/src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  webview: {
    ...shared,
    entryPoints: { main: 'webview/src/main.ts', styles: 'webview/src/styles.css' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: false,
    // contract.ts loads the server's HTTP stack (for the Hub login) only when the extension calls it; the page
    // never does, so those modules stay unresolved here.
    external: ['undici', 'node:*'],
  },
};

async function copyCodicons() {
  const css = require.resolve('@vscode/codicons/dist/codicon.css');
  await mkdir('dist/webview', { recursive: true });
  await copyFile(css, 'dist/webview/codicon.css');
  await copyFile(join(dirname(css), 'codicon.ttf'), 'dist/webview/codicon.ttf');
}

const names = wanted.length > 0 ? wanted : Object.keys(targets);
for (const name of names) {
  const options = targets[name];
  if (!options) {
    console.error(`unknown bundle "${name}"; choose from ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
  if (watch) {
    await (await context(options)).watch();
  } else {
    await build(options);
  }
  if (name === 'webview') await copyCodicons();
  // The bundle is an ES module; inside the VSIX there is no server/package.json to say so.
  if (name === 'server') await writeFile('server/dist/package.json', '{ "type": "module" }\n');
}
if (!watch) console.error(`built ${names.join(', ')}`);
