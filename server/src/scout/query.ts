/*
 * The one Scout GraphQL document we send, and the shape of its answer. Every field name is from Docker Scout's
 * published schema (../shared/reference/scout-schema.graphql); test/server/scout.test.ts validates the document
 * against that schema, so a renamed field fails a test rather than a user's call.
 *
 * `imageSummariesByDigest` gives Scout's own counts by severity; `imagePackagesByDigest` gives each package with
 * its installed version and the vulnerabilities that affect it, which is where the top CVEs and fixed versions
 * come from. The deprecated `imageVulnerabilitiesByDigest` is not used.
 */
export const IMAGE_VULNERABILITIES_QUERY = `query DockerMcpImageVulnerabilities($context: Context!, $digest: String!, $digests: [String!]!) {
  imageSummariesByDigest(context: $context, digests: $digests) {
    digest
    sbomState
    vulnerabilityReport {
      critical
      high
      medium
      low
      unspecified
      total
    }
  }
  imagePackagesByDigest(context: $context, digest: $digest) {
    digest
    sbomState
    imagePackages {
      packages {
        package {
          name
          namespace
          type
          version
          purl
          vulnerabilities {
            sourceId
            fixedBy
            vulnerableRange
            url
            cisaExploited
            cvss {
              severity
              score
            }
          }
        }
      }
    }
  }
}`;

export type SbomState = 'INDEXED' | 'INDEXING' | 'INDEXING_FAILED' | 'INDEXING_UNAVAILABLE' | 'NONE';
export type CvssSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNSPECIFIED';

export interface ScoutSeverityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unspecified: number;
  total: number;
}

export interface ScoutVulnerabilityNode {
  sourceId: string;
  fixedBy?: string | null;
  vulnerableRange: string;
  url: string;
  cisaExploited: boolean;
  cvss: { severity?: CvssSeverity | null; score?: number | null };
}

export interface ScoutPackageNode {
  name?: string | null;
  namespace?: string | null;
  type: string;
  version: string;
  purl: string;
  vulnerabilities: ScoutVulnerabilityNode[];
}

export interface ImageVulnerabilitiesData {
  imageSummariesByDigest: { digest: string; sbomState: SbomState; vulnerabilityReport?: ScoutSeverityCounts | null }[];
  imagePackagesByDigest?: {
    digest: string;
    sbomState: SbomState;
    imagePackages: { packages: { package: ScoutPackageNode }[] };
  } | null;
}

export interface GraphQlError {
  message?: string;
  extensions?: { code?: string };
}

export interface GraphQlResponse<T> {
  data?: T | null;
  errors?: GraphQlError[];
}
