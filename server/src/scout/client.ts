import type { HubAuth } from '../auth/hubAuth';
import type { Cache } from '../cache/cache';
import type { Config } from '../config';
import { DockerMcpError, oneLine } from '../errors';
import type { HttpClient } from '../net/client';
import { errorFromResponse } from '../net/errors';
import type { HttpResponse } from '../net/fetch';
import type { Logger } from '../log';
import { parseReply } from '../upstreamReply';
import {
  graphQlResponseSchema,
  IMAGE_VULNERABILITIES_QUERY,
  imageVulnerabilitiesDataSchema,
  type CvssSeverity,
  type GraphQlError,
  type ImageVulnerabilitiesData,
  type SbomState,
  type ScoutPackageNode,
  type ScoutSeverityCounts,
} from './query';

export interface ScoutClientDeps {
  config: Config;
  http: HttpClient;
  cache: Cache;
  log: Logger;
  auth: HubAuth;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'unspecified';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unspecified'];

/** One vulnerability in one package of the image. */
export interface ScoutFinding {
  /** CVE id, or the source's id (GHSA-…, DSA-…) where there is no CVE. */
  id: string;
  severity: Severity;
  cvssScore?: number;
  package: string;
  packageType: string;
  installedVersion: string;
  /** Absent when no fixed version is known. */
  fixedVersion?: string;
  vulnerableRange: string;
  url: string;
  purl: string;
  /** On CISA's list of known exploited vulnerabilities. */
  cisaExploited: boolean;
}

export interface ImageVulnerabilities {
  digest: string;
  sbomState: SbomState;
  counts: ScoutSeverityCounts;
  packageCount: number;
  vulnerablePackageCount: number;
  /** Every finding, most severe first (severity, then CVSS score, then id). */
  findings: ScoutFinding[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, unspecified: 4 };

const STATE_SENTENCES: Record<Exclude<SbomState, 'INDEXED'>, string> = {
  INDEXING: 'is still analysing it; try again in a few minutes',
  INDEXING_FAILED: 'could not analyse it (indexing failed)',
  INDEXING_UNAVAILABLE: 'cannot analyse it (indexing unavailable for this image)',
  NONE: 'has not analysed it yet; Scout analyses public Docker Hub images and repositories with Scout enabled',
};

/**
 * Docker Scout's GraphQL API: the vulnerability report of one image manifest (one platform), by digest. Scout
 * needs a Docker Hub login; it takes the Hub access token. A digest never changes, but Scout learns new CVEs, so
 * reports are kept for the `scout` TTL rather than forever.
 */
export class ScoutClient {
  constructor(private readonly deps: ScoutClientDeps) {}

  /**
   * UNAUTHORIZED, before any request, when there is no Docker Hub login: Scout answers nothing without one. With a
   * login, it starts now, beside the registry requests that find the digest, rather than after them.
   */
  requireLogin(): void {
    this.deps.auth.requireCredentials('Docker Scout vulnerability data');
    this.deps.auth.startLogin();
  }

  /** `image` names the image in messages (e.g. `nginx:1.27`); the query itself is by digest only. */
  async vulnerabilities(digest: string, options: { image?: string; signal?: AbortSignal } = {}): Promise<ImageVulnerabilities> {
    this.requireLogin();
    const what = `Docker Scout data for ${options.image ? `${options.image} (${digest})` : digest}`;
    return this.deps.cache.getJson('scout', digest, (shared) => this.query(digest, what, shared), options.signal);
  }

  private async query(digest: string, what: string, signal: AbortSignal | undefined): Promise<ImageVulnerabilities> {
    this.deps.log.debug('scout query', { digest });
    const response = await this.deps.auth.scoutRequest({
      method: 'POST',
      url: this.deps.config.scoutUrl,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        operationName: 'DockerMcpImageVulnerabilities',
        query: IMAGE_VULNERABILITIES_QUERY,
        // An empty context asks Scout's public database; an organisation would restrict it to that organisation.
        variables: { context: {}, digest, digests: [digest] },
      }),
      signal,
      maxBytes: 16 * 1024 * 1024,
    });
    const data = this.dataOf(response, what);
    return reportFrom(digest, data, what);
  }

  private dataOf(response: HttpResponse, what: string): ImageVulnerabilitiesData {
    if (response.status === 401) {
      throw new DockerMcpError(
        'UNAUTHORIZED',
        `Docker Scout refused the Docker Hub login of "${this.deps.config.username}" for ${what}: check that ` +
          'DOCKERHUB_TOKEN is a valid personal access token for DOCKERHUB_USERNAME.',
        { status: 401 },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const envelope = graphQlResponseSchema.safeParse(json);
    const parsed = envelope.success ? envelope.data : undefined;
    const firstError = parsed?.errors?.[0];
    // A 400 with GraphQL errors means Scout did not take our query: that is ours to fix, not the caller's input.
    if (response.status === 400 && firstError) throw graphQlError(firstError, what, this.deps.config.username);
    if (response.status < 200 || response.status >= 300) {
      throw errorFromResponse(response, what, firstError?.message);
    }
    if (!parsed) {
      throw new DockerMcpError('UPSTREAM_ERROR', `Docker Scout sent an answer that is not a JSON object for ${what}; try again later.`);
    }
    if (firstError && !hasSummaries(parsed.data)) throw graphQlError(firstError, what, this.deps.config.username);
    if (firstError) this.deps.log.warn('Docker Scout answered with partial errors', { error: oneLine(firstError.message ?? '') });
    if (parsed.data === undefined || parsed.data === null) {
      throw new DockerMcpError('UPSTREAM_ERROR', `Docker Scout answered without image summaries for ${what}; try again later.`);
    }
    return parseReply(imageVulnerabilitiesDataSchema, parsed.data, 'Docker Scout', what);
  }
}

function hasSummaries(data: unknown): boolean {
  return typeof data === 'object' && data !== null && Array.isArray((data as { imageSummariesByDigest?: unknown }).imageSummariesByDigest);
}

function graphQlError(error: GraphQlError, what: string, username?: string): DockerMcpError {
  const detail = oneLine(error.message ?? 'no message', 160);
  switch (error.extensions?.code) {
    case 'UNAUTHENTICATED':
      return new DockerMcpError(
        'UNAUTHORIZED',
        `Docker Scout did not accept the Docker Hub login of "${username}" for ${what} (${detail}): check DOCKERHUB_TOKEN.`,
      );
    case 'FORBIDDEN':
      return new DockerMcpError('FORBIDDEN', `access to ${what} is denied for these credentials (${detail}).`);
    case 'NOT_FOUND':
      return new DockerMcpError('NOT_FOUND', `${what} was not found (${detail}).`);
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
      return new DockerMcpError('UPSTREAM_ERROR', `Docker Scout did not understand the query for ${what} (${detail}).`);
    default:
      return new DockerMcpError('UPSTREAM_ERROR', `Docker Scout answered with an error for ${what} (${detail}); try again later.`);
  }
}

function reportFrom(digest: string, data: ImageVulnerabilitiesData, what: string): ImageVulnerabilities {
  const summary = data.imageSummariesByDigest.find((entry) => entry.digest === digest) ?? data.imageSummariesByDigest[0];
  const packages = data.imagePackagesByDigest ?? undefined;
  const state: SbomState | undefined = summary?.sbomState ?? packages?.sbomState;
  if (!summary && !packages) {
    throw new DockerMcpError(
      'NOT_FOUND',
      `${what} was not found: Docker Scout has no analysis of this image (it analyses public Docker Hub images and ` +
        'repositories with Scout enabled).',
    );
  }
  if (state !== 'INDEXED') {
    const sentence = STATE_SENTENCES[(state ?? 'NONE') as Exclude<SbomState, 'INDEXED'>] ?? STATE_SENTENCES.NONE;
    throw new DockerMcpError('NOT_FOUND', `${what} is not available: Docker Scout ${sentence}.`);
  }
  const nodes = packages?.imagePackages.packages.map((entry) => entry.package) ?? [];
  const findings = nodes.flatMap(findingsOf).sort(bySeverity);
  return {
    digest,
    sbomState: state,
    counts: summary?.vulnerabilityReport ?? countFindings(findings),
    packageCount: nodes.length,
    vulnerablePackageCount: nodes.filter((node) => node.vulnerabilities.length > 0).length,
    findings,
  };
}

function findingsOf(node: ScoutPackageNode): ScoutFinding[] {
  return node.vulnerabilities.map((vulnerability) => {
    const finding: ScoutFinding = {
      id: vulnerability.sourceId,
      severity: severityOf(vulnerability.cvss?.severity),
      package: node.name ?? node.purl,
      packageType: node.type,
      installedVersion: node.version,
      vulnerableRange: vulnerability.vulnerableRange,
      url: vulnerability.url,
      purl: node.purl,
      cisaExploited: vulnerability.cisaExploited,
    };
    if (typeof vulnerability.cvss?.score === 'number') finding.cvssScore = vulnerability.cvss.score;
    if (vulnerability.fixedBy) finding.fixedVersion = vulnerability.fixedBy;
    return finding;
  });
}

function severityOf(severity: CvssSeverity | null | undefined): Severity {
  const lower = (severity ?? 'UNSPECIFIED').toLowerCase() as Severity;
  return lower in SEVERITY_RANK ? lower : 'unspecified';
}

function bySeverity(a: ScoutFinding, b: ScoutFinding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (b.cvssScore ?? -1) - (a.cvssScore ?? -1) ||
    a.id.localeCompare(b.id) ||
    a.package.localeCompare(b.package)
  );
}

/** Only when Scout sent no summary: one per vulnerability in each package. */
function countFindings(findings: ScoutFinding[]): ScoutSeverityCounts {
  const counts: ScoutSeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0, total: findings.length };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}
