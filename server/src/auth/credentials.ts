import { createHash } from 'node:crypto';
import type { Config } from '../config';
import { registerSecret } from '../net/redact';
import { SingleFlight } from '../net/singleFlight';
import type { Logger } from '../log';
import { rereadHubToken } from './credentialsFile';
import { CredentialHelperError, runCredentialHelper } from './credentialsHelper';
import { helperFor, helperServerAddress, readDockerConfig, type DockerConfigFile } from './dockerConfig';

/** Credentials for one registry host. `source` is words for people; the secret never leaves this object's user. */
export interface RegistryCredential {
  username: string;
  secret: string;
  /** `identitytoken`: an OAuth2 refresh token, exchanged at the token realm (ACR, `docker login` with OAuth). */
  kind: 'basic' | 'identitytoken';
  source: string;
}

export type CredentialSource = (registry: string, signal?: AbortSignal) => Promise<RegistryCredential | undefined>;

/** Who a registry is asked as, fit for answers and errors: never the secret. */
export interface RegistryIdentity {
  registry: string;
  as: 'anonymous' | 'account';
  username?: string;
  source?: string;
  /** Why credentials that were configured are not used (helper failed, refused by the registry…). */
  problem?: string;
}

export interface RegistryCredentialsOptions {
  config: Config;
  log: Logger;
  /** Milliseconds since the epoch; tests move it to expire what is remembered. */
  now?: () => number;
  /** Environment of credential helpers (PATH finds them); the server's own by default. */
  helperEnv?: NodeJS.ProcessEnv;
}

/** A credential found (or found missing) is trusted this long, then looked up again: `docker login` is picked up. */
const REMEMBER_MS = 5 * 60_000;
/** A failing helper or unreadable config is tried again after this long, not on every request. */
const REMEMBER_PROBLEM_MS = 30_000;
/** A credential refused by its registry is not offered again until it changes, or this long has passed. */
const REFUSED_MS = 5 * 60_000;
const HELPER_MAX_MS = 10_000;

interface Remembered {
  credential?: RegistryCredential;
  problem?: string;
  untilMs: number;
}

/**
 * Credentials per registry host, in this order: for docker.io DOCKERHUB_USERNAME/DOCKERHUB_TOKEN(_FILE); then what
 * the VS Code extension handed over; then Docker's config.json as docker/cli reads it (a host's credHelpers entry,
 * else credsStore, else auths). A lookup never throws: a missing, failing or hanging helper leaves the registry
 * anonymous (public data stays readable) and `identity` says why.
 */
export class RegistryCredentials {
  private readonly remembered = new Map<string, Remembered>();
  private readonly lookups = new SingleFlight<Remembered>();
  /** Registry → fingerprints of secrets it refused, with when the refusal lapses. */
  private readonly refusals = new Map<string, Map<string, number>>();
  private readonly now: () => number;

  constructor(private readonly options: RegistryCredentialsOptions) {
    this.now = options.now ?? Date.now;
  }

  readonly lookup: CredentialSource = async (registry) => {
    const host = registry.toLowerCase();
    const found = await this.resolve(host);
    if (!found.credential) return undefined;
    return this.isRefused(host, found.credential) ? undefined : found.credential;
  };

  /** The registry (or its token realm) refused `credential`: files and helpers are read again on the next lookup. */
  async refused(registry: string, credential: RegistryCredential): Promise<void> {
    const host = registry.toLowerCase();
    let marks = this.refusals.get(host);
    if (!marks) this.refusals.set(host, (marks = new Map()));
    marks.set(fingerprint(credential), this.now() + REFUSED_MS);
    const known = this.remembered.get(host);
    if (known) known.untilMs = 0;
    if (host === 'docker.io') await rereadHubToken(this.options.config);
    this.options.log.warn('registry refused credentials', { registry: host, username: credential.username, source: credential.source });
  }

  /** Who `registry` is asked as now, from what the last lookup found. */
  identity(registry: string): RegistryIdentity {
    const host = registry.toLowerCase();
    const found = this.remembered.get(host);
    const credential = found?.credential;
    if (credential && this.isRefused(host, credential)) {
      return {
        registry: host,
        as: 'anonymous',
        problem: `${host} refused the credentials of ${credential.username} from ${credential.source}`,
      };
    }
    if (credential) return { registry: host, as: 'account', username: credential.username, source: credential.source };
    return { registry: host, as: 'anonymous', ...(found?.problem ? { problem: found.problem } : {}) };
  }

  /**
   * Every registry with credentials configured or already asked, and who it is asked as: what the explorer shows as
   * "signed in". A helper that has not run yet is not run for this; its entry names the helper as the source.
   */
  async registries(): Promise<RegistryIdentity[]> {
    const { config } = this.options;
    const hosts = new Map<string, RegistryIdentity>();
    const configured = (registry: string, username: string | undefined, source: string) =>
      hosts.set(registry, { registry, as: 'account', ...(username ? { username } : {}), source });
    if (config.dockerConfigPath) {
      const file = await readDockerConfig(config.dockerConfigPath).catch(() => undefined);
      for (const [registry, entry] of file?.auths ?? []) {
        if (entry.identityToken || (entry.username && entry.password)) configured(registry, entry.username, `auths in ${file!.path}`);
      }
      for (const [registry, name] of file?.credHelpers ?? []) {
        configured(registry, undefined, `credHelpers (docker-credential-${name}) in ${file!.path}`);
      }
    }
    for (const [registry, entry] of config.registryCredentials) configured(registry, entry.username, 'VS Code secret storage');
    if (config.username && config.token) configured('docker.io', config.username, hubTokenSource(config));
    for (const registry of this.remembered.keys()) hosts.set(registry, this.identity(registry));
    return [...hosts.values()].sort((a, b) => a.registry.localeCompare(b.registry));
  }

  private isRefused(host: string, credential: RegistryCredential): boolean {
    const until = this.refusals.get(host)?.get(fingerprint(credential));
    return until !== undefined && until > this.now();
  }

  private resolve(host: string): Promise<Remembered> {
    const known = this.remembered.get(host);
    if (known && known.untilMs > this.now()) return Promise.resolve(known);
    return this.lookups.run(host, async () => {
      const found = await this.find(host);
      this.remembered.set(host, found);
      return found;
    });
  }

  private async find(host: string): Promise<Remembered> {
    const { config } = this.options;
    const remember = (credential?: RegistryCredential): Remembered => {
      if (credential) registerSecret(credential.secret);
      return { credential, untilMs: this.now() + REMEMBER_MS };
    };
    if (host === 'docker.io' && config.username && config.token) {
      return remember({
        username: config.username,
        secret: config.token,
        kind: 'basic',
        source: hubTokenSource(config),
      });
    }
    const handedOver = config.registryCredentials.get(host);
    if (handedOver) return remember({ ...handedOver, kind: 'basic', source: 'VS Code secret storage' });
    if (!config.dockerConfigPath) return remember();
    let file: DockerConfigFile;
    try {
      file = await readDockerConfig(config.dockerConfigPath);
    } catch (err) {
      return this.problem(host, (err as Error).message);
    }
    const helper = helperFor(file, host);
    if (helper) {
      const source = `${helper.setting} (docker-credential-${helper.name}) in ${file.path}`;
      try {
        const answer = await runCredentialHelper(helper.name, helperServerAddress(host), {
          timeoutMs: Math.min(HELPER_MAX_MS, Math.max(100, Math.floor(config.timeoutMs / 2))),
          env: this.options.helperEnv,
        });
        return remember(answer && { ...answer, source });
      } catch (err) {
        if (!(err instanceof CredentialHelperError)) throw err;
        return this.problem(host, `${source}: ${err.message}`);
      }
    }
    const entry = file.auths.get(host);
    const source = `auths in ${file.path}`;
    if (entry?.identityToken) {
      return remember({ username: entry.username ?? '', secret: entry.identityToken, kind: 'identitytoken', source });
    }
    if (entry?.username && entry.password) {
      return remember({ username: entry.username, secret: entry.password, kind: 'basic', source });
    }
    return remember();
  }

  private problem(host: string, problem: string): Remembered {
    this.options.log.warn('registry credentials unavailable; asking anonymously', { registry: host, problem });
    return { problem: `credentials for ${host} could not be read: ${problem}`, untilMs: this.now() + REMEMBER_PROBLEM_MS };
  }
}

function hubTokenSource(config: Config): string {
  return config.tokenFile ? `DOCKERHUB_TOKEN_FILE (${config.tokenFile})` : 'DOCKERHUB_TOKEN';
}

function fingerprint(credential: RegistryCredential): string {
  return createHash('sha256').update(`${credential.kind}\n${credential.username}\n${credential.secret}`).digest('hex');
}

/** Token caches keep tokens apart per credential without holding the secret: a short hash stands for it. */
export function credentialKey(credential: RegistryCredential | undefined): string {
  return credential ? `account-${fingerprint(credential).slice(0, 16)}` : 'anonymous';
}

/** "as alice (auths in /home/u/.docker/config.json)" / "anonymously": who a registry was asked as, in words. */
export function identityText(identity: RegistryIdentity): string {
  if (identity.as === 'account') return `as ${identity.username || 'an identity token'} (from ${identity.source})`;
  return identity.problem ? `anonymously, because ${identity.problem}` : 'anonymously';
}

/** The 401 of a registry read, saying who asked and what would help; never the secret. */
export function unauthorizedMessage(what: string, identity: RegistryIdentity, suffix: string): string {
  const registry = identity.registry;
  if (identity.as === 'account') {
    return (
      `${registry} did not let ${identity.username || 'the identity token'} (credentials from ${identity.source}) read ${what}: ` +
      `it does not exist or this account has no pull access to it${suffix}.`
    );
  }
  if (identity.problem) return `${what} is private or does not exist; it was asked for anonymously because ${identity.problem}${suffix}.`;
  if (registry === 'docker.io') {
    return `${what} is private or does not exist: set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (a personal access token with read access) to reach private repositories${suffix}.`;
  }
  return (
    `${what} is private or does not exist on ${registry}, which was asked anonymously: sign in with \`docker login ${registry}\` ` +
    `(Docker's config.json, credential helpers included), or add credentials for ${registry} in VS Code${suffix}.`
  );
}
