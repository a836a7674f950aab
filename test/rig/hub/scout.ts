import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, execute, GraphQLError, Kind, parse, validate, type DocumentNode } from 'graphql';
import type { HubState, ScoutImage, ScoutPackage, ScoutVulnerability } from './state';

// The schema is Docker Scout's own (test/reference/scout-schema.graphql), so a query that asks for a field Scout does
// not have fails validation here exactly as it would upstream.
const schema = buildSchema(readFileSync(fileURLToPath(new URL('../../reference/scout-schema.graphql', import.meta.url)), 'utf8'));

export const servedScoutQueries = ['imageSummariesByDigest', 'imagePackagesByDigest', 'vulnerabilitiesByPackage'];

export interface ScoutReply {
  status: number;
  body: unknown;
}

function failure(status: number, error: GraphQLError | string, code: string): ScoutReply {
  const formatted = typeof error === 'string' ? { message: error } : error.toJSON();
  return { status, body: { errors: [{ ...formatted, extensions: { code } }] } };
}

function parsePurl(purl: string) {
  const match = /^pkg:([^/]+)\/(?:(.+)\/)?([^/@?#]+)(?:@([^?#]+))?(?:\?([^#]*))?(?:#(.*))?$/.exec(purl);
  return {
    type: match?.[1] ?? 'generic',
    namespace: match?.[2] ?? null,
    name: match?.[3] ?? purl,
    version: match?.[4] ? decodeURIComponent(match[4]) : null,
    qualifiers: match?.[5] ?? null,
    subpath: match?.[6] ?? null,
  };
}

function vulnerabilityObject(v: ScoutVulnerability) {
  return {
    sourceId: v.sourceId,
    source: v.source,
    description: v.description,
    cwes: v.cwes.map((c) => ({
      cweId: c.cweId,
      description: c.description,
      url: `https://cwe.mitre.org/data/definitions/${c.cweId.replace('CWE-', '')}.html`,
    })),
    cvss: { severity: v.severity, version: v.score === null ? null : 'CVSS_VERSION_3', score: v.score, vector: v.vector },
    fixedBy: v.fixedBy,
    vulnerableRange: v.vulnerableRange,
    url: `https://scout.docker.com/v/${v.sourceId}`,
    publishedAt: v.publishedAt,
    updatedAt: v.publishedAt,
    epss: null,
    cisaExploited: false,
    isExcepted: false,
    vulnerabilityExceptions: [],
    vexStatements: [],
  };
}

function packageObject(p: ScoutPackage) {
  return {
    name: p.name,
    description: null,
    purl: p.purl,
    purlFields: parsePurl(p.purl),
    type: p.type,
    namespace: p.namespace,
    version: p.version,
    author: null,
    licenses: p.licenses,
    vulnerabilities: p.vulnerabilities.map(vulnerabilityObject),
  };
}

function vulnerabilityReport(image: ScoutImage) {
  if (image.sbomState !== 'INDEXED') return null;
  const counts = { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0, total: 0 };
  for (const p of image.packages) {
    for (const v of p.vulnerabilities) {
      counts[v.severity.toLowerCase() as keyof typeof counts] += 1;
      counts.total += 1;
    }
  }
  return counts;
}

function rootResolvers(state: HubState) {
  return {
    imageSummariesByDigest: ({ digests }: { digests: string[] }) =>
      digests.flatMap((digest) => {
        const image = state.scoutImages.get(digest);
        return image ? [{ digest, sbomState: image.sbomState, vulnerabilityReport: vulnerabilityReport(image) }] : [];
      }),
    imagePackagesByDigest: ({ digest }: { digest: string }) => {
      const image = state.scoutImages.get(digest);
      if (!image) return null;
      const ownerLayer = image.layerDigests.at(-1) ?? digest;
      return {
        digest,
        sbomState: image.sbomState,
        imagePackages: {
          packages: image.packages.map((p) => ({
            package: packageObject(p),
            locations: p.locations.map((l) => ({ path: l.path, diffId: ownerLayer })),
          })),
        },
        imageLayers: { layers: image.layerDigests.map((diffId, ordinal) => ({ diffId, ordinal })) },
        imageHistories: null,
      };
    },
    vulnerabilitiesByPackage: ({ packageUrls, digest }: { packageUrls: string[]; digest?: string | null }) => {
      const images = digest ? [state.scoutImages.get(digest)].filter((i) => i !== undefined) : [...state.scoutImages.values()];
      return packageUrls.map((purl) => {
        const found = images.flatMap((i) => i.packages).find((p) => p.purl === purl);
        return { purl, vulnerabilities: (found?.vulnerabilities ?? []).map(vulnerabilityObject) };
      });
    },
  };
}

export function runScoutQuery(state: HubState, body: unknown): ScoutReply {
  const request = body as { query?: unknown; variables?: unknown; operationName?: unknown } | null;
  if (!request || typeof request.query !== 'string') return failure(400, 'Must provide query string.', 'BAD_REQUEST');
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return failure(400, error as GraphQLError, 'GRAPHQL_PARSE_FAILED');
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return {
      status: 400,
      body: { errors: validationErrors.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) },
    };
  }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (definition.operation !== 'query') {
      return failure(400, `The hub emulator serves no ${definition.operation} operations.`, 'BAD_REQUEST');
    }
    for (const selection of definition.selectionSet.selections) {
      const name = selection.kind === Kind.FIELD ? selection.name.value : '(fragment)';
      if (name !== '__typename' && !servedScoutQueries.includes(name)) {
        return failure(400, `Query.${name} is not served by the hub emulator (it serves ${servedScoutQueries.join(', ')}).`,
          'BAD_REQUEST');
      }
    }
  }
  const result = execute({
    schema,
    document,
    rootValue: rootResolvers(state),
    variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof request.operationName === 'string' ? request.operationName : undefined,
  });
  if (result instanceof Promise) throw new Error('Scout resolvers are synchronous');
  return { status: 200, body: result.errors ? { data: result.data ?? null, errors: result.errors.map((e) => e.toJSON()) } : { data: result.data } };
}
