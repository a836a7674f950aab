import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config';
import { registerSecret } from '../http/redact';

/** A secret kept in a file (a Docker or Kubernetes secret): its content without surrounding whitespace. */
export function readSecretFileSync(path: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${variable} names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${path}`);
  }
  const secret = text.trim();
  if (!secret) throw new Error(`${variable} names an empty file: ${path}`);
  return secret;
}

/**
 * Reads DOCKERHUB_TOKEN_FILE again after Docker Hub or its registry refused the token held: a rotated Kubernetes or
 * Docker secret is picked up without a restart. True when the file now holds another token, which `config.token`
 * then is.
 */
export function rereadHubToken(config: Config): Promise<boolean> {
  return reread(config, 'token', config.tokenFile);
}

/** The same for DOCKERHUB_MCP_HTTP_TOKEN_FILE, after a client presented a token that does not match the one held. */
export function rereadHttpToken(config: Config): Promise<boolean> {
  return reread(config, 'httpToken', config.httpTokenFile);
}

async function reread(config: Config, field: 'token' | 'httpToken', path: string | undefined): Promise<boolean> {
  if (!path) return false;
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    return false;
  }
  if (!text || text === config[field]) return false;
  registerSecret(text);
  config[field] = text;
  return true;
}
