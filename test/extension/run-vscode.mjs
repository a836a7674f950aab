// `npm run test:vscode`: the extension-host suites under @vscode/test-electron (downloads VS Code; see
// harness/testElectron.ts). tsx (as `node --import tsx` would) loads the TypeScript harness.
await import('tsx');
const harness = await import('./harness/testElectron.ts');
// A CommonJS module (the package has no "type") arrives with its exports under default.
const main = harness.main ?? harness.default.main;
process.exitCode = await main();
setTimeout(() => process.exit(process.exitCode), 5000).unref();
