// `node test/extension/run-e2e.mjs`: the extension in code-server (see harness/e2e.ts). A plain .mjs entry so
// test/run-all.mjs and .ci/run need no flags; tsx (as `node --import tsx` would) loads the TypeScript harness.
await import('tsx');
const harness = await import('./harness/e2e.ts');
// A CommonJS module (the package has no "type") arrives with its exports under default.
const main = harness.main ?? harness.default.main;
process.exitCode = await main();
// A handle someone forgot (a socket of the rig, say) must not keep CI waiting once everything has been stopped.
setTimeout(() => process.exit(process.exitCode), 5000).unref();
