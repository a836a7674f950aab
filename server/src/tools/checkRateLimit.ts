import { isIP } from 'node:net';
import { z } from 'zod';
import { identityText, type RegistryIdentity } from '../auth/credentials';
import { DockerMcpError } from '../errors';
import { parseRateLimit, type RateLimitSnapshot } from '../net/rateLimit';
import { DEFAULT_REGISTRY, parseReference } from '../registry/reference';
import type { ImageReference } from '../registry/types';
import type { Services } from '../services';
import { imageArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** The repository Docker's documentation uses to check the pull limit ("Docker Hub usage and limits"). */
export const RATE_LIMIT_PROBE_IMAGE = 'ratelimitpreview/test';

const registryIdentity = z.object({
  registry: z.string(),
  as: z.enum(['anonymous', 'account']),
  username: z.string().nullable(),
  source: z.string().nullable().describe('Where the credentials come from: env, VS Code, Docker\'s config.json entry or helper'),
  problem: z.string().nullable().describe('Why configured credentials are not used (helper failed, refused…)'),
});

function identityOutput(identity: RegistryIdentity) {
  return {
    registry: identity.registry,
    as: identity.as,
    username: identity.username ?? null,
    source: identity.source ?? null,
    problem: identity.problem ?? null,
  };
}

export const checkRateLimit = defineTool({
  name: 'docker_check_rate_limit',
  title: 'Docker Hub pull rate limit',
  description:
    "This server's Docker Hub pull limit: limit, remaining, window, counted against whom. Costs no pull.",
  input: {
    image: imageArg(`Image to probe (default ${RATE_LIMIT_PROBE_IMAGE})`).optional(),
  },
  output: {
    image: z.string().describe('The image whose manifest was checked'),
    registry: z.string(),
    method: z.literal('HEAD').describe('HEAD requests do not count against the pull limit'),
    headers_present: z.boolean().describe('Whether the registry sent rate-limit headers; paid plans get none'),
    limit: z.number().nullable().describe('Pulls allowed per window (ratelimit-limit)'),
    remaining: z.number().nullable().describe('Pulls left in the current window (ratelimit-remaining)'),
    window_seconds: z.number().nullable().describe('Window length in seconds (the w= of the headers)'),
    window_hours: z.number().nullable(),
    source: z.string().nullable().describe('docker-ratelimit-source: the IP address or account the quota is counted against'),
    counted_against: z.enum(['ip', 'account']).nullable().describe('ip: anonymous pulls; account: authenticated pulls'),
    authenticated: z
      .boolean()
      .nullable()
      .describe('Whether the check was counted as an authenticated request; null when the registry did not say'),
    credentials_configured: z.boolean().describe('DOCKERHUB_USERNAME and DOCKERHUB_TOKEN are set'),
    identity: registryIdentity.describe('Who Docker Hub\'s registry was asked as for this check (never the secret)'),
    registries: z
      .array(registryIdentity)
      .describe('Every registry with credentials configured or already asked, and who it is asked as: which are signed in'),
    checked_at: z.string(),
    note: z.string().describe('What the numbers mean for the next pulls'),
    shared_view: z
      .object({
        limit: z.number().nullable(),
        remaining: z.number().nullable(),
        source: z.string().nullable(),
        observed_at: z.string(),
        age_seconds: z.number().describe('How long ago an instance saw it'),
      })
      .nullable()
      .optional()
      .describe(
        'The latest limit headers this registry sent to any instance sharing the Redis cache: present only with ' +
          'DOCKERHUB_MCP_REDIS_URL; null when Redis could not say',
      ),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image ?? RATE_LIMIT_PROBE_IMAGE);
    if (reference.registry !== DEFAULT_REGISTRY) {
      throw new DockerMcpError(
        'UNSUPPORTED',
        `pull rate limits are Docker Hub's; "${args.image}" is on ${reference.registry}, which sends no such limits. ` +
          'Give a Docker Hub image, or no image at all.',
      );
    }
    const started = new Date().toISOString();
    const snapshot = await probe(services, reference, started, signal);
    const credentialsConfigured = Boolean(services.config.username && services.config.token);
    const countedAgainst = countedAgainstOf(snapshot);
    const sharedView = services.sharedCache ? await sharedViewOf(services, reference) : undefined;
    return {
      image: reference.familiar,
      registry: reference.registry,
      method: 'HEAD' as const,
      headers_present: snapshot !== undefined,
      limit: snapshot?.limit ?? null,
      remaining: snapshot?.remaining ?? null,
      window_seconds: snapshot?.windowSeconds ?? null,
      window_hours: snapshot?.windowSeconds === undefined ? null : Math.round((snapshot.windowSeconds / 3600) * 100) / 100,
      source: snapshot?.source ?? null,
      counted_against: countedAgainst,
      authenticated: countedAgainst === null ? (credentialsConfigured ? null : false) : countedAgainst === 'account',
      credentials_configured: credentialsConfigured,
      identity: identityOutput(services.credentials.identity(reference.registry)),
      registries: (await services.credentials.registries()).map(identityOutput),
      checked_at: snapshot?.observedAt ?? started,
      note: noteFor(snapshot, countedAgainst, credentialsConfigured),
      ...(sharedView !== undefined ? { shared_view: sharedView } : {}),
    };
  },
  summarize(result) {
    if (!result.headers_present) {
      return `Docker Hub sent no rate-limit headers for ${result.image}: the pull limit is unknown. ${result.note}`;
    }
    const window = result.window_seconds === null ? '' : ` per ${windowText(result.window_seconds)}`;
    const who =
      result.counted_against === 'account'
        ? `counted against the account ${result.source} (authenticated)`
        : result.counted_against === 'ip'
          ? `counted against ${result.source} (anonymous)`
          : 'source not given';
    const shared = result.shared_view
      ? ` Latest seen by any instance sharing Redis: ${result.shared_view.remaining ?? '?'} of ` +
        `${result.shared_view.limit ?? '?'}, ${result.shared_view.age_seconds} s ago.`
      : '';
    return (
      `Docker Hub pull limit: ${result.remaining ?? '?'} of ${result.limit ?? '?'} pulls left${window}, ${who}. ` +
      `Checked with a HEAD of ${result.image}, which is not counted, asked ${askedAs(result.identity)}. ${result.note}${shared}` +
      signedIn(result.registries)
    );
  },
  example: {},
});

/**
 * The limits the registry sent with the HEAD. A 404 or 429 reply carries them too (the HTTP stack records every
 * reply's headers), so those are read from what the stack saw during this call rather than failing the check.
 */
async function probe(
  services: Services,
  reference: ImageReference,
  started: string,
  signal: AbortSignal,
): Promise<RateLimitSnapshot | undefined> {
  try {
    const head = await services.registry.headManifest(reference, signal);
    return parseRateLimit(head.headers);
  } catch (err) {
    if (!(err instanceof DockerMcpError) || (err.code !== 'NOT_FOUND' && err.code !== 'RATE_LIMITED')) throw err;
    const host = new URL(services.registry.baseUrl(reference.registry)).host;
    const seen = services.http.rateLimits.get(host);
    if (seen && seen.observedAt >= started) return seen;
    throw err;
  }
}

/** What the ledger in Redis holds for this registry: since this check just wrote to it, usually this very reading. */
async function sharedViewOf(services: Services, reference: ImageReference) {
  const host = new URL(services.registry.baseUrl(reference.registry)).host;
  const seen = (await services.quotaLedger?.rateLimits())?.get(host);
  if (!seen) return null;
  return {
    limit: seen.limit ?? null,
    remaining: seen.remaining ?? null,
    source: seen.source ?? null,
    observed_at: seen.observedAt,
    age_seconds: seen.ageSeconds,
  };
}

function noteFor(snapshot: RateLimitSnapshot | undefined, countedAgainst: 'ip' | 'account' | null, credentials: boolean): string {
  if (!snapshot) {
    return (
      'Docker Hub sends no limit headers to accounts on paid plans (Pro, Team, Business), which have no pull limit; ' +
      `a mirror set as DOCKERHUB_REGISTRY_URL may send none either.${credentials ? '' : ' This check was anonymous.'}`
    );
  }
  const parts: string[] = [];
  if (snapshot.remaining === 0) {
    const wait = snapshot.windowSeconds ? ` (at most ${windowText(snapshot.windowSeconds)})` : '';
    parts.push(`No pulls left: manifest reads will fail with RATE_LIMITED until the window moves on${wait}.`);
  }
  if (countedAgainst === 'ip') {
    parts.push(
      credentials
        ? 'This server reads public images anonymously, so its pulls count against this IP address, not the account.'
        : 'Anonymous pulls count against this IP address; a Docker Hub login (DOCKERHUB_USERNAME, DOCKERHUB_TOKEN) raises the limit.',
    );
  }
  parts.push('Cached digests cost no pulls.');
  return parts.join(' ');
}

/** Docker Hub names an IP address (or IPv6 /64) for anonymous pulls and an account id for authenticated ones. */
function countedAgainstOf(snapshot: RateLimitSnapshot | undefined): 'ip' | 'account' | null {
  if (!snapshot?.source) return null;
  return isIP(snapshot.source.replace(/\/\d+$/, '')) ? 'ip' : 'account';
}

function askedAs(identity: { as: 'anonymous' | 'account'; username: string | null; source: string | null; problem: string | null; registry: string }): string {
  return identityText({
    registry: identity.registry,
    as: identity.as,
    username: identity.username ?? undefined,
    source: identity.source ?? undefined,
    problem: identity.problem ?? undefined,
  });
}

function signedIn(registries: { registry: string; as: 'anonymous' | 'account'; username: string | null }[]): string {
  const accounts = registries.filter((entry) => entry.as === 'account');
  if (accounts.length === 0) return ' No registry has credentials configured.';
  return ` Signed in: ${accounts.map((entry) => (entry.username ? `${entry.registry} as ${entry.username}` : entry.registry)).join(', ')}.`;
}

function windowText(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} s`;
}
