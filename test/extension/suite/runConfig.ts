import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the launcher (code-server or @vscode/test-electron) tells the suites, in run.json beside the bundle. */
export interface RunConfig {
  /** Where the suites write `{passed, failed, pending}` for the launcher. */
  resultsFile: string;
  /** Every tool the server lists without a Docker Hub login, by name. */
  expectedTools: string[];
  /** The settings the launcher wrote into the user settings, pointing the extension at the registry rig. */
  settings: Record<string, unknown>;
  /** A rig account and its personal access token. */
  rigUser: { username: string; token: string };
  /** Loopback endpoint of harness/editorRig.ts: the rig's request counts (GET /counts, POST /reset); absent elsewhere. */
  rigControlUrl?: string;
}

export function runConfig(): RunConfig {
  return JSON.parse(readFileSync(join(__dirname, 'run.json'), 'utf8')) as RunConfig;
}
