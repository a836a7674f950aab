import type { Config } from '../config';
import { isLoopbackHost } from '../config';
import { DockerMcpError, errorFromStatus } from '../errors';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client';
import { retryAfter } from '../http/client';
import { registerSecret } from '../http/redact';
import type { Logger } from '../log';

export interface RegistryAuthDeps {
  config: Config;
  http: HttpClient;
  log: Logger;
  /** Milliseconds since the epoch; tests freeze it to keep a token the registry has already expired. */
  now?: () => number;
}

/** Which registry a request goes to and what it needs: `repository:library/nginx:pull`. */
export interface AuthTarget {
  registry: string;
  scope: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  realm?: string;
  service?: string;
  scope?: string;
  error?: string;
}

type Identity = 'anonymous' | 'credentials';

interface HeldToken {
  authorization: string;
  expiresAtMs: number;
}

interface Attempt {
  authorization: string;
  fromCache: boolean;
}

/** The Docker token spec: a token without expires_in is good for 60 s. */
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_MARGIN_SECONDS = 30;

/**
 * The registry's side of the Distribution token flow. A request goes out with what is already known (a cached
 * token, or a fresh one when the host's realm is known); a 401 challenge is answered once; a cached token the
 * registry rejects is replaced once. With Docker Hub credentials configured, docker.io is asked as that account from
 * the first request: pulls then count against the account's quota (100/h on a free plan) instead of the address's
 * anonymous one (10/h), and private repositories need no extra round trip. Credentials never go to another registry.
 */
export class RegistryAuth {
  private readonly tokens = new Map<string, HeldToken>();
  private readonly pending = new Map<string, Promise<HeldToken | undefined>>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly now: () => number;

  constructor(private readonly deps: RegistryAuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  hasCredentials(registry: string): boolean {
    return registry === 'docker.io' && Boolean(this.deps.config.username && this.deps.config.token);
  }

  /**
   * Sends `request` with whatever authorization `target` needs; returns the final reply, 401 included. `send` is
   * the HTTP stack's `stream` for blobs read as they arrive.
   */
  async request<R extends HttpResponse = HttpResponse>(
    target: AuthTarget,
    request: HttpRequest,
    send: (request: HttpRequest) => Promise<R> = (plain) => this.deps.http.request(plain) as Promise<R>,
  ): Promise<R> {
    const identity: Identity = this.hasCredentials(target.registry) ? 'credentials' : 'anonymous';
    let attempt = await this.known(target, identity);
    let refreshed = false;
    for (;;) {
      const headers = { ...(request.headers ?? {}) };
      if (attempt) headers.authorization = attempt.authorization;
      const response = await send({ ...request, headers });
      if (response.status !== 401) return response;
      const challenge = parseChallenge(response.headers['www-authenticate']);
      if (!challenge) return response;
      this.challenges.set(target.registry, { scheme: challenge.scheme, realm: challenge.realm, service: challenge.service });
      if (attempt?.fromCache && !refreshed && challenge.error !== 'insufficient_scope') {
        // The registry no longer takes a token we still thought valid (expired early, revoked): one new one.
        refreshed = true;
        this.forget(target, identity);
        attempt = await this.fresh(target, challenge, identity);
        if (attempt) continue;
      } else if (!attempt) {
        attempt = await this.fresh(target, challenge, identity);
        if (attempt) continue;
      }
      return response;
    }
  }

  /** A cached token, or a new one when this host's realm is already known: saves the 401 round trip. */
  private async known(target: AuthTarget, identity: Identity): Promise<Attempt | undefined> {
    const held = this.tokens.get(tokenKey(target, identity));
    if (held && held.expiresAtMs > this.now()) return { authorization: held.authorization, fromCache: true };
    const challenge = this.challenges.get(target.registry);
    if (!challenge) return undefined;
    return this.fresh(target, challenge, identity);
  }

  private forget(target: AuthTarget, identity: Identity): void {
    this.tokens.delete(tokenKey(target, identity));
  }

  private async fresh(target: AuthTarget, challenge: Challenge, identity: Identity): Promise<Attempt | undefined> {
    if (challenge.scheme === 'basic') {
      return identity === 'credentials' ? { authorization: this.basic(), fromCache: false } : undefined;
    }
    const key = tokenKey(target, identity);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(target, challenge, identity).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const held = await pending;
    return held ? { authorization: held.authorization, fromCache: false } : undefined;
  }

  private basic(): string {
    const { username, token } = this.deps.config;
    return `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
  }

  private async fetchToken(target: AuthTarget, challenge: Challenge, identity: Identity): Promise<HeldToken | undefined> {
    const realm = checkedRealm(challenge.realm, target.registry);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    // Our scope, not the challenge's: the challenge of a proactive fetch belongs to another repository.
    realm.searchParams.set('scope', target.scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (identity === 'credentials') headers.authorization = this.basic();
    const startedMs = this.now();
    const response = await this.deps.http.request({ method: 'GET', url: realm.toString(), headers, maxBytes: 1024 * 1024 });
    const what = `the token service of ${target.registry}`;
    if (response.status === 401 || response.status === 403) {
      if (identity === 'credentials') {
        throw new DockerMcpError(
          'UNAUTHORIZED',
          `${target.registry} refused DOCKERHUB_USERNAME/DOCKERHUB_TOKEN: check that the access token is valid and has read access.`,
          { status: response.status },
        );
      }
      return undefined;
    }
    if (response.status !== 200) {
      const wait = retryAfter(response.headers);
      throw errorFromStatus(response.status, what, undefined, wait === undefined ? undefined : Math.ceil(wait / 1000));
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new DockerMcpError('UPSTREAM_ERROR', `${what} answered with something other than JSON.`);
    }
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) throw new DockerMcpError('UPSTREAM_ERROR', `${what} answered without a token.`);
    registerSecret(token);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    const margin = Math.min(MAX_MARGIN_SECONDS, seconds * 0.1);
    const held = { authorization: `Bearer ${token}`, expiresAtMs: startedMs + (seconds - margin) * 1000 };
    this.tokens.set(tokenKey(target, identity), held);
    this.deps.log.debug('registry token', { registry: target.registry, scope: target.scope, identity, seconds });
    return held;
  }
}

function tokenKey(target: AuthTarget, identity: Identity): string {
  return `${identity} ${target.registry} ${target.scope}`;
}

/** A realm must be https, or plain http on loopback (the test rig): a token request may carry credentials. */
function checkedRealm(realm: string | undefined, registry: string): URL {
  let url: URL;
  try {
    url = new URL(realm ?? '');
  } catch {
    throw new DockerMcpError('UPSTREAM_ERROR', `${registry} asked for a token from an invalid realm.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new DockerMcpError(
      'UPSTREAM_ERROR',
      `${registry} asked for a token from ${url.origin}, which is not https; refused (plain http is allowed only on loopback).`,
    );
  }
  return url;
}

/** `Bearer realm="…",service="…",scope="…",error="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(bearer|basic)\b\s*(.*)$/i.exec(header);
  if (!match) return undefined;
  const challenge: Challenge = { scheme: match[1].toLowerCase() as Challenge['scheme'] };
  const params = /([a-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/gi;
  for (let param = params.exec(match[2]); param; param = params.exec(match[2])) {
    const name = param[1].toLowerCase();
    const value = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : param[3];
    if (name === 'realm' || name === 'service' || name === 'scope' || name === 'error') challenge[name] = value;
  }
  return challenge;
}
