import { z } from 'zod';

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

const SBOM_STATES = ['INDEXED', 'INDEXING', 'INDEXING_FAILED', 'INDEXING_UNAVAILABLE', 'NONE'] as const;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNSPECIFIED'] as const;
export type SbomState = (typeof SBOM_STATES)[number];
export type CvssSeverity = (typeof SEVERITIES)[number];

/*
 * The answer to IMAGE_VULNERABILITIES_QUERY, parsed rather than cast, with the schema's non-null fields required.
 * A severity or state this server does not know yet is kept apart (unspecified / not indexed) rather than failing.
 */
const sbomState = z.enum(SBOM_STATES).catch('NONE');

export const severityCountsSchema = z.object({
  critical: z.number(),
  high: z.number(),
  medium: z.number(),
  low: z.number(),
  unspecified: z.number(),
  total: z.number(),
});
export type ScoutSeverityCounts = z.output<typeof severityCountsSchema>;

const vulnerabilitySchema = z.object({
  sourceId: z.string(),
  fixedBy: z.string().nullish(),
  vulnerableRange: z.string(),
  url: z.string(),
  cisaExploited: z.boolean(),
  cvss: z.object({ severity: z.enum(SEVERITIES).nullish().catch('UNSPECIFIED'), score: z.number().nullish() }),
});
export type ScoutVulnerabilityNode = z.output<typeof vulnerabilitySchema>;

const packageSchema = z.object({
  name: z.string().nullish(),
  namespace: z.string().nullish(),
  type: z.string(),
  version: z.string(),
  purl: z.string(),
  vulnerabilities: z.array(vulnerabilitySchema),
});
export type ScoutPackageNode = z.output<typeof packageSchema>;

export const imageVulnerabilitiesDataSchema = z.object({
  imageSummariesByDigest: z.array(
    z.object({ digest: z.string(), sbomState, vulnerabilityReport: severityCountsSchema.nullish() }),
  ),
  imagePackagesByDigest: z
    .object({
      digest: z.string(),
      sbomState,
      imagePackages: z.object({ packages: z.array(z.object({ package: packageSchema })) }),
    })
    .nullish(),
});
export type ImageVulnerabilitiesData = z.output<typeof imageVulnerabilitiesDataSchema>;

/** The GraphQL envelope: `data` is parsed apart, so an error reply without data is still read for its errors. */
export const graphQlResponseSchema = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(z.object({ message: z.string().optional().catch(undefined), extensions: z.object({ code: z.string().optional().catch(undefined) }).optional().catch(undefined) }))
    .optional()
    .catch(undefined),
});
export type GraphQlError = NonNullable<z.output<typeof graphQlResponseSchema>['errors']>[number];
