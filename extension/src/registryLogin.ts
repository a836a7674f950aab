// Checking registry credentials before they are stored, as `docker login` does: ping /v2/, answer the challenge
// (Basic at the registry, or Basic at the token realm the registry named). No vscode import: unit-tested against real
// registries. The secret goes to the registry and the realm it names, nowhere else, and never into a message.

/** Host as written in image references: `ghcr.io`, `registry.example.com:5000`, `localhost:5000`. */
export function registryHostProblem(host: string): string | undefined {
  const value = host.trim().toLowerCase();
  if (!value) return 'Type the registry host, e.g. ghcr.io.';
  if (value === 'docker.io' || value === 'index.docker.io' || value === 'registry-1.docker.io') {
    return 'Docker Hub uses its access token: run "Docker Hub: Set Access Token" instead.';
  }
  if (!/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/.test(value) && !/^\[[0-9a-f:]+\](?::\d{1,5})?$/.test(value)) {
    return 'A registry host is a name with an optional port, like ghcr.io or registry.example.com:5000 (no https://, no path).';
  }
  return undefined;
}

/** The base URL the server uses for `host`: the registryEndpoints setting, else https (plain http only on loopback). */
export function registryBaseUrl(host: string, endpoints: Record<string, string>): string {
  const override = Object.entries(endpoints).find(([name]) => name.trim().toLowerCase() === host.toLowerCase())?.[1];
  if (override) return override.trim().replace(/\/+$/, '');
  const hostname = new URL(`https://${host}`).hostname.replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

/** The credentials were refused, or the registry could not be asked; the message is for a person. */
export class RegistryLoginError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

export interface RegistryLogin {
  host: string;
  baseUrl: string;
  username: string;
  secret: string;
  timeoutMs?: number;
}

/** `checked`: the registry accepted them; `not-asked`: it asks nobody for credentials at /v2/, so nothing was checked. */
export type RegistryLoginResult = 'checked' | 'not-asked';

export async function verifyRegistryLogin(login: RegistryLogin): Promise<RegistryLoginResult> {
  const timeoutMs = login.timeoutMs ?? 15_000;
  const basic = `Basic ${Buffer.from(`${login.username}:${login.secret}`).toString('base64')}`;
  const ping = await send(`${login.baseUrl}/v2/`, {}, login.host, timeoutMs);
  if (ping.status === 200) return 'not-asked';
  const challenge = ping.status === 401 ? ping.headers.get('www-authenticate') ?? '' : '';
  if (/^\s*basic\b/i.test(challenge)) {
    const answer = await send(`${login.baseUrl}/v2/`, { authorization: basic }, login.host, timeoutMs);
    return verdict(answer.status, login.host);
  }
  const realm = /^\s*bearer\b/i.test(challenge) ? parameter(challenge, 'realm') : undefined;
  if (!realm) {
    throw new RegistryLoginError(`${login.host} answered /v2/ with HTTP ${ping.status} and no sign-in challenge: is it a container registry?`, false);
  }
  const url = checkedRealm(realm, login.host);
  const service = parameter(challenge, 'service');
  if (service) url.searchParams.set('service', service);
  url.searchParams.set('account', login.username);
  const answer = await send(url.toString(), { authorization: basic }, login.host, timeoutMs);
  return verdict(answer.status, login.host);
}

function verdict(status: number, host: string): RegistryLoginResult {
  if (status === 200) return 'checked';
  if (status === 401 || status === 403) {
    throw new RegistryLoginError(`${host} refused this username and token: check both, and that the token may read the registry.`, true);
  }
  throw new RegistryLoginError(`${host} answered the sign-in with HTTP ${status}; try again later.`, false);
}

async function send(url: string, headers: Record<string, string>, host: string, timeoutMs: number): Promise<Response> {
  try {
    // No redirects: credentials stay with the host that asked for them.
    const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response;
  } catch (err) {
    const reason = (err as { name?: string }).name === 'TimeoutError' ? `did not answer within ${timeoutMs / 1000} s` : 'could not be reached';
    throw new RegistryLoginError(`${host} ${reason}: check the host name and the network.`, false);
  }
}

/** The realm may carry credentials: https, or plain http only on loopback. */
function checkedRealm(realm: string, host: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryLoginError(`${host} named an invalid token service.`, false);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new RegistryLoginError(`${host} named a token service that is not https (${url.origin}); the token was not sent.`, false);
  }
  return url;
}

function parameter(challenge: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\s*=\\s*"([^"]*)"`, 'i').exec(challenge);
  return match?.[1];
}

/** DOCKERHUB_MCP_REGISTRY_CREDENTIALS as the server reads it. */
export function registryCredentialsVariable(credentials: Record<string, { username: string; secret: string }>): string | undefined {
  const entries = Object.entries(credentials).filter(([, entry]) => entry.secret);
  return entries.length === 0 ? undefined : JSON.stringify(Object.fromEntries(entries));
}
