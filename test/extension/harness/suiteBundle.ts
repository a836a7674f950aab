import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { availableTools } from '../../../server/src/tools';
import type { RunConfig } from '../suite/runConfig';

export const REPO = join(__dirname, '..', '..', '..');
export const EXTENSION_ID = 'dockerhub-mcp.dockerhub-mcp';

/**
 * Bundles the extension-host suites into out/test/extension/index.js (inside the repository, so `mocha` resolves
 * from its node_modules) and writes run.json beside it. Returns the bundle's path.
 */
export async function buildSuiteBundle(config: Omit<RunConfig, 'expectedTools'>): Promise<string> {
  const outDir = join(REPO, 'out', 'test', 'extension');
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, 'index.js');
  await build({
    entryPoints: [join(REPO, 'test', 'extension', 'suite', 'index.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  // The suites start Copilot's server before any token is stored: it lists the tools that work without a login.
  const anonymous = availableTools({ readOnly: false }, false);
  const runConfig: RunConfig = { ...config, expectedTools: anonymous.map((tool) => tool.name) };
  writeFileSync(join(outDir, 'run.json'), JSON.stringify(runConfig, null, 2));
  return entry;
}

/** User settings pointing the extension at the rig; everything else quiet and deterministic. */
export function rigSettings(rigEnv: Record<string, string>): Record<string, unknown> {
  const endpoints = Object.fromEntries(
    (rigEnv.DOCKERHUB_MCP_REGISTRY_ENDPOINTS ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return {
    'dockerHub.hubApiUrl': rigEnv.DOCKERHUB_API_URL,
    'dockerHub.registryUrl': rigEnv.DOCKERHUB_REGISTRY_URL,
    'dockerHub.scoutUrl': rigEnv.DOCKERHUB_SCOUT_URL,
    'dockerHub.registryEndpoints': endpoints,
    'dockerHub.logLevel': 'info',
  };
}

export const QUIET_WORKBENCH_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  // Only the server under test: no servers discovered from other tools' configuration files.
  'chat.mcp.discovery.enabled': false,
  // View title-bar buttons shown without hovering, so the walk can press them as a person does.
  'workbench.view.alwaysShowHeaderActions': true,
};
