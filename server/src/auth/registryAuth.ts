import type { Config } from '../config';
import { isLoopbackHost } from '../config';
import { DockerMcpError } from '../errors';
import { errorFromResponse } from '../net/errors';
import type { Fetch, HttpRequest, HttpResponse } from '../net/fetch';
import { registerSecret } from '../net/redact';
import { SingleFlight } from '../net/singleFlight';
import type { Logger } from '../log';
import type { ChallengeStore } from './challenges';

/** A credential for one registry, wherever it came from (environment, Docker's config.json, a helper). */
export interface RegistryCredential {
  username: string;
  secret: string;
  /** `identitytoken` is an OAuth2 refresh token (docker login with a browser flow), sent as grant_type=refresh_token. */
  kind: 'basic' | 'identitytoken';
}

/** Where credentials for a registry (as written in references: `docker.io`, `ghcr.io`) come from. */
export type CredentialSource = (registry: string) => Promise<RegistryCredential | undefined>;

export interface RegistryAuthDeps {
  config: Config;
  http: { request: Fetch };
  log: Logger;
  /** Milliseconds since the epoch; tests freeze it to keep a token the registry has already expired. */
  now?: () => number;
  /** Learned challenges, kept across restarts when there is a cache directory. */
  challenges?: ChallengeStore;
  /** Credentials per registry; by default DOCKERHUB_USERNAME/DOCKERHUB_TOKEN for docker.io and nothing else. */
  credentials?: CredentialSource;
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

export const DOCKER_HUB_REGISTRY_URL = 'https://registry-1.docker.io';
/** Docker Hub's registry sends its clients to this token service, and the PAT goes nowhere else. */
export const DOCKER_HUB_CHALLENGE: Challenge = { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io' };
const DOCKER_HUB_AUTH_HOSTS = new Set(['auth.docker.io']);

/**
 * The registry's side of the Distribution token flow. A request goes out with what is already known (a cached
 * token, or a fresh one when the host's challenge is known: Docker Hub's in advance, others learned once and kept);
 * a 401 challenge from the registry's own origin is answered once; a cached token the registry rejects is replaced
 * once. A 401 from anywhere else (the storage host a blob download was redirected to) is an error, never a
 * challenge: credentials go only to the registry and the token realm it named. For Docker Hub's own registry the
 * realm must be Docker's auth host.
 */
export class RegistryAuth {
  private readonly tokens = new Map<string, HeldToken>();
  private readonly pending = new SingleFlight<HeldToken | undefined>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly now: () => number;
  private readonly credentials: CredentialSource;

  constructor(private readonly deps: RegistryAuthDeps) {
    this.now = deps.now ?? Date.now;
    this.credentials = deps.credentials ?? (async (registry) => this.environmentCredential(registry));
    if (this.isDockerHubRegistry('docker.io')) this.challenges.set('docker.io', DOCKER_HUB_CHALLENGE);
  }

  /** Whether requests to `registry` are made as an account (from the environment). */
  hasCredentials(registry: string): boolean {
    return this.environmentCredential(registry) !== undefined;
  }

  /** Sends `request` with whatever authorization `target` needs; returns the final reply, 401 included. */
  async request(target: AuthTarget, request: HttpRequest): Promise<HttpResponse> {
    const credential = await this.credentials(target.registry);
    const identity = credential ? `as ${credential.username}` : 'anonymous';
    const origin = new URL(request.url).origin;
    let attempt = await this.known(target, credential, identity, request.signal, origin);
    let refreshed = false;
    for (;;) {
      const headers = { ...(request.headers ?? {}) };
      if (attempt) headers.authorization = attempt.authorization;
      const response = await this.deps.http.request({ ...request, headers });
      if (response.status !== 401) return response;
      if (new URL(response.url).origin !== origin) {
        // A redirect target (blob storage) is not the registry: its challenge would send credentials to a host of its
        // choosing, and it must never replace the registry's own.
        throw new DockerMcpError(
          'UPSTREAM_ERROR',
          `the storage host ${new URL(response.url).host} that ${target.registry} sent the download to refused it (HTTP 401); try again later.`,
          { status: 401 },
        );
      }
      const challenge = parseChallenge(response.headers['www-authenticate']);
      if (!challenge) return response;
      this.learn(target.registry, origin, challenge);
      if (attempt?.fromCache && !refreshed && challenge.error !== 'insufficient_scope') {
        // The registry no longer takes a token we still thought valid (expired early, revoked): one new one.
        refreshed = true;
        this.tokens.delete(tokenKey(target, identity));
        attempt = await this.fresh(target, challenge, credential, identity, request.signal, origin);
        if (attempt) continue;
      } else if (!attempt) {
        attempt = await this.fresh(target, challenge, credential, identity, request.signal, origin);
        if (attempt) continue;
      }
      return response;
    }
  }

  private learn(registry: string, origin: string, challenge: Challenge): void {
    const learned: Challenge = { scheme: challenge.scheme, realm: challenge.realm, service: challenge.service };
    const before = this.challenges.get(registry);
    if (before?.scheme === learned.scheme && before.realm === learned.realm && before.service === learned.service) return;
    this.challenges.set(registry, learned);
    this.deps.challenges?.set(registry, origin, learned);
  }

  /** A cached token, or a new one when this host's challenge is known: saves the 401 round trip. */
  private async known(
    target: AuthTarget,
    credential: RegistryCredential | undefined,
    identity: string,
    signal: AbortSignal | undefined,
    origin: string,
  ): Promise<Attempt | undefined> {
    const held = this.tokens.get(tokenKey(target, identity));
    if (held && held.expiresAtMs > this.now()) return { authorization: held.authorization, fromCache: true };
    let challenge = this.challenges.get(target.registry);
    if (!challenge && this.deps.challenges) {
      challenge = await this.deps.challenges.get(target.registry, origin);
      if (challenge) this.challenges.set(target.registry, challenge);
    }
    if (!challenge) return undefined;
    return this.fresh(target, challenge, credential, identity, signal, origin);
  }

  private async fresh(
    target: AuthTarget,
    challenge: Challenge,
    credential: RegistryCredential | undefined,
    identity: string,
    signal: AbortSignal | undefined,
    origin: string,
  ): Promise<Attempt | undefined> {
    if (challenge.scheme === 'basic') {
      return credential?.kind === 'basic' ? { authorization: basic(credential), fromCache: false } : undefined;
    }
    const key = tokenKey(target, identity);
    const held = await this.pending.run(key, (shared) => this.fetchToken(target, challenge, credential, identity, shared, origin), signal);
    return held ? { authorization: held.authorization, fromCache: false } : undefined;
  }

  private async fetchToken(
    target: AuthTarget,
    challenge: Challenge,
    credential: RegistryCredential | undefined,
    identity: string,
    signal: AbortSignal,
    origin: string,
  ): Promise<HeldToken | undefined> {
    const realm = this.checkedRealm(challenge.realm, target.registry);
    const what = `the token service of ${target.registry}`;
    const startedMs = this.now();
    let response: HttpResponse;
    if (credential?.kind === 'identitytoken') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.secret, client_id: 'dockerhub-mcp', scope: target.scope });
      if (challenge.service) form.set('service', challenge.service);
      response = await this.deps.http.request({
        method: 'POST',
        url: realm.toString(),
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        maxBytes: 1024 * 1024,
        signal,
        namedBy: origin,
      });
    } else {
      if (challenge.service) realm.searchParams.set('service', challenge.service);
      // Our scope, not the challenge's: the challenge of a proactive fetch belongs to another repository.
      realm.searchParams.set('scope', target.scope);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (credential) headers.authorization = basic(credential);
      response = await this.deps.http.request({ method: 'GET', url: realm.toString(), headers, maxBytes: 1024 * 1024, signal, namedBy: origin });
    }
    if (response.status === 401 || response.status === 403) {
      if (credential) {
        throw new DockerMcpError(
          'UNAUTHORIZED',
          target.registry === 'docker.io'
            ? `${target.registry} refused DOCKERHUB_USERNAME/DOCKERHUB_TOKEN: check that the access token is valid and has read access.`
            : `${target.registry} refused the credentials held for it (user ${credential.username}): check that they are valid and have read access.`,
          { status: response.status },
        );
      }
      return undefined;
    }
    if (response.status !== 200) throw errorFromResponse(response, what);
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

  /** Docker Hub's own registry at its default address, whose token realm is known and fixed. */
  private isDockerHubRegistry(registry: string): boolean {
    return registry === 'docker.io' && this.deps.config.registryUrl === DOCKER_HUB_REGISTRY_URL;
  }

  /**
   * A realm must be https, or plain http on loopback (the test rig): a token request may carry credentials. Docker
   * Hub's registry may only name Docker's auth host.
   */
  private checkedRealm(realm: string | undefined, registry: string): URL {
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
    if (this.isDockerHubRegistry(registry) && !(url.protocol === 'https:' && DOCKER_HUB_AUTH_HOSTS.has(url.hostname))) {
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `Docker Hub's registry named ${url.host} as its token service, which is not Docker's (auth.docker.io); refused.`,
      );
    }
    return url;
  }

  private environmentCredential(registry: string): RegistryCredential | undefined {
    const { username, token } = this.deps.config;
    return registry === 'docker.io' && username && token ? { username, secret: token, kind: 'basic' } : undefined;
  }
}

function basic(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.secret}`).toString('base64')}`;
}

function tokenKey(target: AuthTarget, identity: string): string {
  return `${identity} ${target.registry} ${target.scope}`;
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
