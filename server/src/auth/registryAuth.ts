import type { Config } from '../config';
import { isLoopbackHost } from '../config';
import { DockerMcpError } from '../errors';
import type { Logger } from '../log';
import type { Fetch, HttpRequest, HttpResponse } from '../net/fetch';
import { SingleFlight } from '../net/singleFlight';
import type { ChallengeStore } from './challenges';
import { credentialKey, identityText, type RegistryCredential, type RegistryCredentials, type RegistryIdentity } from './credentials';
import { basicAuthorization, fetchRegistryToken } from './credentialsToken';

export interface RegistryAuthDeps {
  config: Config;
  http: { request: Fetch };
  log: Logger;
  /** Learned challenges, kept across restarts when there is a cache directory. */
  challenges?: ChallengeStore;
  /** Credentials per registry host (env, VS Code, Docker's config.json); anonymous everywhere without them. */
  credentials?: RegistryCredentials;
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

interface HeldToken {
  authorization: string;
  expiresAtMs: number;
}

interface Attempt {
  authorization: string;
  fromCache: boolean;
  /** Set when the attempt sends the credential itself (a Basic challenge): a 401 then means it was refused. */
  basicWith?: RegistryCredential;
}

/** Token requests of one registry and identity that start together: one request for all their scopes. */
export const DOCKER_HUB_REGISTRY_URL = 'https://registry-1.docker.io';
/** Docker Hub's registry sends its clients to this token service, and the PAT goes nowhere else. */
export const DOCKER_HUB_CHALLENGE: Challenge = { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io' };
const DOCKER_HUB_AUTH_HOSTS = new Set(['auth.docker.io']);

/** The Docker token spec: a token without expires_in is good for 60 s. */
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_MARGIN_SECONDS = 30;

/**
 * The registry's side of the Distribution token flow. A request goes out with what is already known (a cached
 * token, or a fresh one when the host's challenge is known: Docker Hub's in advance, others learned once and kept);
 * a 401 challenge from the registry's own origin is answered once; a cached token the registry rejects is replaced
 * once. A 401 from anywhere else (the storage host a blob download was redirected to) is an error, never a
 * challenge: credentials go only to the registry and the token realm it named. For Docker Hub's own registry the
 * realm must be Docker's auth host. With credentials for a registry, it is asked as that account from the first
 * request: on Docker Hub pulls then count against the account's quota, and private repositories need no extra
 * round trip.
 */
export class RegistryAuth {
  private readonly tokens = new Map<string, HeldToken>();
  private readonly pending = new SingleFlight<HeldToken | undefined>();
  private readonly batches = new SingleFlight<HeldToken | undefined, never, string>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly now: () => number;

  constructor(private readonly deps: RegistryAuthDeps) {
    this.now = deps.now ?? Date.now;
    if (this.isDockerHubRegistry('docker.io')) this.challenges.set('docker.io', DOCKER_HUB_CHALLENGE);
  }

  /** Who `registry` is asked as (never the secret): for answers and errors. */
  identity(registry: string): RegistryIdentity {
    return this.deps.credentials?.identity(registry) ?? { registry, as: 'anonymous' };
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
    let identity = await this.deps.credentials?.lookup(target.registry, request.signal);
    const origin = new URL(request.url).origin;
    let attempt = await this.known(target, identity, origin, request.signal);
    let refreshed = false;
    for (;;) {
      const headers = { ...(request.headers ?? {}) };
      if (attempt) headers.authorization = attempt.authorization;
      const response = await send({ ...request, headers });
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
      if (attempt?.basicWith) {
        // The registry itself refused the username and password: a rotated secret gets one try, else the 401 stands.
        const next = await this.afterRefusal(target.registry, attempt.basicWith);
        if (!next) return response;
        identity = next;
        attempt = await this.fresh(target, challenge, identity, origin, request.signal);
        if (attempt) continue;
      } else if (attempt?.fromCache && !refreshed && challenge.error !== 'insufficient_scope') {
        // The registry no longer takes a token we still thought valid (expired early, revoked): one new one.
        refreshed = true;
        this.forget(target, identity);
        attempt = await this.fresh(target, challenge, identity, origin, request.signal);
        if (attempt) continue;
      } else if (!attempt) {
        attempt = await this.fresh(target, challenge, identity, origin, request.signal);
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
    identity: RegistryCredential | undefined,
    origin: string,
    signal: AbortSignal | undefined,
  ): Promise<Attempt | undefined> {
    const held = this.tokens.get(tokenKey(target, identity));
    if (held && held.expiresAtMs > this.now()) return { authorization: held.authorization, fromCache: true };
    let challenge = this.challenges.get(target.registry);
    if (!challenge && this.deps.challenges) {
      challenge = await this.deps.challenges.get(target.registry, origin);
      if (challenge) this.challenges.set(target.registry, challenge);
    }
    if (!challenge) return undefined;
    return this.fresh(target, challenge, identity, origin, signal);
  }

  private forget(target: AuthTarget, identity: RegistryCredential | undefined): void {
    this.tokens.delete(tokenKey(target, identity));
  }

  /** Tells the credential source; what it offers next (a rotated secret) or undefined for anonymous. */
  private async afterRefusal(registry: string, refused: RegistryCredential): Promise<RegistryCredential | undefined> {
    await this.deps.credentials?.refused(registry, refused);
    return this.deps.credentials?.lookup(registry);
  }

  private async fresh(
    target: AuthTarget,
    challenge: Challenge,
    identity: RegistryCredential | undefined,
    origin: string,
    signal: AbortSignal | undefined,
  ): Promise<Attempt | undefined> {
    if (challenge.scheme === 'basic') {
      // A Basic registry gets the username and password themselves; an identity token is only for a token realm.
      return identity?.kind === 'basic'
        ? { authorization: basicAuthorization(identity), fromCache: false, basicWith: identity }
        : undefined;
    }
    const held = await this.pending.run(
      tokenKey(target, identity),
      (shared) => this.batched(target, challenge, identity, origin, shared),
      signal,
    );
    return held ? { authorization: held.authorization, fromCache: false } : undefined;
  }

  /**
   * Token requests for one registry and identity that start in the same turn (a comparison of two images
   * reading two repositories) become one request carrying every scope, as the token spec allows.
   */
  private batched(
    target: AuthTarget,
    challenge: Challenge,
    identity: RegistryCredential | undefined,
    origin: string,
    signal: AbortSignal,
  ): Promise<HeldToken | undefined> {
    return this.batches.batch(
      `${credentialKey(identity)} ${target.registry}`,
      target.scope,
      async (shared, take) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return this.fetchToken(target.registry, [...take()], challenge, identity, origin, shared);
      },
      signal,
    );
  }

  private async fetchToken(
    registry: string,
    scopes: string[],
    challenge: Challenge,
    identity: RegistryCredential | undefined,
    origin: string,
    signal: AbortSignal,
    retried = false,
  ): Promise<HeldToken | undefined> {
    const realm = this.checkedRealm(challenge.realm, registry);
    const startedMs = this.now();
    // Our scopes, not the challenge's: the challenge of a proactive fetch belongs to another repository.
    const answer = await fetchRegistryToken({
      http: this.deps.http,
      registry,
      realm,
      service: challenge.service,
      scopes,
      credential: identity,
      signal,
      namedBy: origin,
    });
    if ('refused' in answer) {
      if (!identity) return undefined;
      // Refused credentials: a rotated secret is tried once; otherwise public data is still read anonymously, and a
      // 401 from the registry then says whose credentials were refused (identity()).
      const next = await this.afterRefusal(registry, identity);
      return this.fetchToken(registry, scopes, challenge, retried ? undefined : next, origin, signal, true);
    }
    const seconds = answer.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS;
    const margin = Math.min(MAX_MARGIN_SECONDS, seconds * 0.1);
    const held = { authorization: `Bearer ${answer.token}`, expiresAtMs: startedMs + (seconds - margin) * 1000 };
    for (const scope of scopes) this.tokens.set(tokenKey({ registry, scope }, identity), held);
    this.deps.log.debug('registry token', { registry, scopes, identity: identity ? identityText(this.identity(registry)) : 'anonymous', seconds });
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
}

function tokenKey(target: AuthTarget, identity: RegistryCredential | undefined): string {
  return `${credentialKey(identity)} ${target.registry} ${target.scope}`;
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
