import type { AttestationStatement } from '../registry/types';

/*
 * Summaries of in-toto statements (BuildKit's SBOM and provenance attestations): pure functions over the statement's
 * JSON; reading the statements is the registry's job.
 */

export function statementKind(predicateType: string): AttestationStatement['kind'] {
  if (/spdx\.dev|cyclonedx\.org|syft/i.test(predicateType)) return 'sbom';
  if (/slsa\.dev\/provenance/i.test(predicateType)) return 'provenance';
  return 'other';
}

/** The predicate of an in-toto statement, plain or wrapped in a DSSE envelope. */
export function predicateOf(statement: unknown): Record<string, unknown> | undefined {
  let value = statement as Record<string, unknown> | undefined;
  if (value && typeof value.payload === 'string') {
    value = jsonOf(Buffer.from(value.payload, 'base64')) as Record<string, unknown> | undefined;
  }
  const predicate = value?.predicate;
  return predicate && typeof predicate === 'object' ? (predicate as Record<string, unknown>) : undefined;
}

export function summarisePredicate(
  kind: AttestationStatement['kind'],
  predicateType: string,
  predicate: Record<string, any>,
): Partial<AttestationStatement> {
  if (kind === 'sbom') {
    if (Array.isArray(predicate.packages)) {
      return { format: typeof predicate.spdxVersion === 'string' ? predicate.spdxVersion : 'SPDX', packages: predicate.packages.length };
    }
    if (Array.isArray(predicate.components)) {
      return { format: `CycloneDX ${predicate.specVersion ?? ''}`.trim(), packages: predicate.components.length };
    }
    return {};
  }
  if (/provenance\/v1/.test(predicateType)) {
    return compact({
      builderId: predicate.runDetails?.builder?.id,
      buildType: predicate.buildDefinition?.buildType,
      materials: Array.isArray(predicate.buildDefinition?.resolvedDependencies)
        ? predicate.buildDefinition.resolvedDependencies.length
        : undefined,
      finishedOn: predicate.runDetails?.metadata?.finishedOn,
    });
  }
  return compact({
    builderId: predicate.builder?.id,
    buildType: predicate.buildType,
    materials: Array.isArray(predicate.materials) ? predicate.materials.length : undefined,
    finishedOn: predicate.metadata?.buildFinishedOn,
  });
}

/** Keeps only meaningful values: an empty builder id says nothing. */
function compact(values: Record<string, unknown>): Partial<AttestationStatement> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => (typeof value === 'string' && value !== '') || typeof value === 'number'),
  ) as Partial<AttestationStatement>;
}

function jsonOf(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
