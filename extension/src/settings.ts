import * as vscode from 'vscode';
import type { ServerLogLevel, ServerSettings } from './serverEnvironment';

export const SETTINGS_SECTION = 'dockerHub';

const LOG_LEVELS: readonly ServerLogLevel[] = ['error', 'warn', 'info', 'debug'];

/** The `dockerHub.*` settings the server reads, as plain values; out-of-range values fall back to the defaults. */
export function readServerSettings(): ServerSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const text = (key: string) => {
    const value = config.get<unknown>(key);
    return typeof value === 'string' ? value.trim() : '';
  };
  const endpoints = config.get<unknown>('registryEndpoints');
  const cacheMaxMb = config.get<unknown>('cacheMaxMb');
  const logLevel = config.get<unknown>('logLevel');
  const toolsets = config.get<unknown>('toolsets');
  return {
    username: text('username'),
    registryEndpoints:
      endpoints && typeof endpoints === 'object' && !Array.isArray(endpoints)
        ? Object.fromEntries(Object.entries(endpoints).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
        : {},
    cacheMaxMb: typeof cacheMaxMb === 'number' && Number.isInteger(cacheMaxMb) && cacheMaxMb >= 1 && cacheMaxMb <= 65536 ? cacheMaxMb : 64,
    logLevel: LOG_LEVELS.includes(logLevel as ServerLogLevel) ? (logLevel as ServerLogLevel) : 'warn',
    hubApiUrl: text('hubApiUrl'),
    registryUrl: text('registryUrl'),
    scoutUrl: text('scoutUrl'),
    toolsets: Array.isArray(toolsets) ? toolsets.filter((name): name is string => typeof name === 'string') : [],
    readOnly: config.get<unknown>('readOnly') === true,
  };
}

/** Where the Hub login is verified: the configured API base, or Docker Hub itself. */
export function hubApiUrl(settings: ServerSettings): string {
  return settings.hubApiUrl || 'https://hub.docker.com';
}

/** The keys read by readServerSettings: other `dockerHub.*` settings (the editor's) do not restart the server. */
const SERVER_KEYS = ['username', 'registryEndpoints', 'cacheMaxMb', 'logLevel', 'hubApiUrl', 'registryUrl', 'scoutUrl', 'toolsets', 'readOnly'];

export function onDidChangeServerSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (SERVER_KEYS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`))) listener();
  });
}
