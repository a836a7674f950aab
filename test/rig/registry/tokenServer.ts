import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RigUser } from '../images';

export const REGISTRY_SERVICE = 'registry.docker.io';
export const TOKEN_ISSUER = 'auth.docker.io';
const DEFAULT_LIFETIME_SECONDS = 300;
// Distribution accepts a token until 60 s after its `exp` (token.Leeway in registry/auth/token).
const REGISTRY_LEEWAY_SECONDS = 60;

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  /** Username from Basic credentials or an identity token; null when anonymous. */
  user: string | null;
  /** Set for the OAuth2 flow (POST form, an identity token); absent for GET with Basic or anonymous. */
  grant?: 'refresh_token';
  scopes: string[];
  service: string | null;
  status: number;
}

export interface TokenCounts {
  total: number;
  anonymous: number;
  authenticated: number;
  rejected: number;
}

export interface TokenServer {
  /** Base URL; the realm is `${url}/token`. */
  url: string;
  realm: string;
  /** The self-signed certificate the registry trusts (`rootcertbundle`). */
  certificatePem: string;
  /** Signs a token directly, without a request; for the rig's own pushes and the CDN. */
  issueToken(access: AccessEntry[], subject?: string): string;
  /** From now on tokens stop working at the registry after `seconds` (expires_in says the same). */
  setTokenLifetime(seconds: number): void;
  /** While down, /token answers 503. */
  down(isDown: boolean): void;
  setPrivate(repository: string, isPrivate: boolean): void;
  requests(): TokenRequestRecord[];
  counts(): TokenCounts;
  resetCounts(): void;
  /** Lifetime back to Hub's 300 s, service up. */
  reset(): void;
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** Read at each request, so a test may change a password in place. */
  users: RigUser[];
  privateRepositories?: string[];
  /** OAuth2 refresh tokens (Docker's identity tokens) → the user they stand for, for POST /token. */
  identityTokens?: Map<string, string>;
}

const execFileAsync = promisify(execFile);

async function makeSigningPair(): Promise<{ key: KeyObject; certificatePem: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'rig-token-'));
  try {
    const keyPath = join(directory, 'key.pem');
    const certPath = join(directory, 'cert.pem');
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-subj', '/CN=rig-token-issuer', '-keyout', keyPath, '-out', certPath,
    ]);
    const [keyPem, certificatePem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    return { key: createPrivateKey(keyPem), certificatePem };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** `repository:library/demo:pull,push` → entry; a space-separated list in one parameter is allowed too. */
export function parseScopes(values: string[]): AccessEntry[] {
  return values
    .flatMap((value) => value.split(' '))
    .filter(Boolean)
    .map((scope) => {
      const firstColon = scope.indexOf(':');
      const lastColon = scope.lastIndexOf(':');
      if (firstColon < 0 || lastColon === firstColon) return { type: scope, name: '', actions: [] };
      return {
        type: scope.slice(0, firstColon),
        name: scope.slice(firstColon + 1, lastColon),
        actions: scope.slice(lastColon + 1).split(',').filter(Boolean),
      };
    });
}

function namespaceOf(repository: string): string {
  return repository.includes('/') ? repository.slice(0, repository.indexOf('/')) : 'library';
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function basicCredentials(request: IncomingMessage): { username: string; password: string } | null {
  const header = request.headers.authorization ?? '';
  if (!header.toLowerCase().startsWith('basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { username: decoded, password: '' } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const { key, certificatePem } = await makeSigningPair();
  const certificateDer = certificatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const privateRepositories = new Set(options.privateRepositories ?? []);
  let lifetimeSeconds = DEFAULT_LIFETIME_SECONDS;
  let enforceLifetimeAtRegistry = false;
  let isDown = false;
  let log: TokenRequestRecord[] = [];

  function issueToken(access: AccessEntry[], subject = ''): string {
    const now = Math.floor(Date.now() / 1000);
    const exp = enforceLifetimeAtRegistry ? now + lifetimeSeconds + 1 - REGISTRY_LEEWAY_SECONDS : now + lifetimeSeconds;
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certificateDer] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: subject,
      aud: REGISTRY_SERVICE,
      exp,
      nbf: now - DEFAULT_LIFETIME_SECONDS,
      iat: now,
      jti: 'rig_jti_' + randomBytes(12).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), key))}`;
  }

  function grant(user: RigUser | null, requested: AccessEntry): AccessEntry | null {
    if (requested.type !== 'repository') return null;
    const ownsNamespace = user?.namespaces.includes(namespaceOf(requested.name)) ?? false;
    const allowed = ownsNamespace ? ['pull', 'push', 'delete'] : privateRepositories.has(requested.name) ? [] : ['pull'];
    const actions = requested.actions.filter((action) => allowed.includes(action));
    return actions.length > 0 ? { type: requested.type, name: requested.name, actions } : null;
  }

  function handleToken(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
    const scopes = query.getAll('scope');
    const record: TokenRequestRecord = { user: null, scopes, service: query.get('service'), status: 200 };
    log.push(record);
    if (isDown) {
      record.status = 503;
      sendJson(response, 503, { details: 'service unavailable' });
      return;
    }
    const credentials = basicCredentials(request);
    let user: RigUser | null = null;
    if (credentials) {
      record.user = credentials.username;
      user = options.users.find((candidate) => candidate.username === credentials.username) ?? null;
      if (user?.password !== credentials.password) {
        record.status = 401;
        sendJson(response, 401, { details: 'incorrect username or password' });
        return;
      }
    }
    const access = parseScopes(scopes)
      .map((entry) => grant(user, entry))
      .filter((entry): entry is AccessEntry => entry !== null);
    const token = issueToken(access, user?.username ?? '');
    sendJson(response, 200, {
      token,
      access_token: token,
      expires_in: lifetimeSeconds,
      issued_at: new Date().toISOString(),
    });
  }

  /** The token spec's OAuth2 flow: a refresh token (identity token) for an access token, scopes space-separated. */
  function handleOAuth(form: URLSearchParams, response: ServerResponse): void {
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const record: TokenRequestRecord = { user: null, grant: 'refresh_token', scopes, service: form.get('service'), status: 200 };
    log.push(record);
    const username = form.get('grant_type') === 'refresh_token' ? options.identityTokens?.get(form.get('refresh_token') ?? '') : undefined;
    const user = options.users.find((candidate) => candidate.username === username);
    if (!user) {
      record.status = 401;
      sendJson(response, 401, { error: 'invalid_grant' });
      return;
    }
    record.user = user.username;
    const access = parseScopes(scopes)
      .map((entry) => grant(user, entry))
      .filter((entry): entry is AccessEntry => entry !== null);
    sendJson(response, 200, { access_token: issueToken(access, user.username), expires_in: lifetimeSeconds, scope: scopes.join(' ') });
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === '/token') {
      handleToken(request, response, url.searchParams);
      return;
    }
    if (request.method === 'POST' && url.pathname === '/token') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => handleOAuth(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), response));
      return;
    }
    sendJson(response, 404, { details: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    realm: `${url}/token`,
    certificatePem,
    issueToken,
    setTokenLifetime(seconds) {
      lifetimeSeconds = seconds;
      enforceLifetimeAtRegistry = true;
    },
    down(value) {
      isDown = value;
    },
    setPrivate(repository, value) {
      if (value) privateRepositories.add(repository);
      else privateRepositories.delete(repository);
    },
    requests: () => [...log],
    counts: () => ({
      total: log.length,
      anonymous: log.filter((record) => record.user === null).length,
      authenticated: log.filter((record) => record.user !== null && record.status === 200).length,
      rejected: log.filter((record) => record.status === 401).length,
    }),
    resetCounts() {
      log = [];
    },
    reset() {
      lifetimeSeconds = DEFAULT_LIFETIME_SECONDS;
      enforceLifetimeAtRegistry = false;
      isDown = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
