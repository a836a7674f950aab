import { predicateOf, statementKind, summarisePredicate } from '../analysis/attestations';
import type { Blobs } from './blobs';
import { parseJson } from './endpoints';
import { MediaTypes } from './manifest';
import type { Manifests } from './manifests';
import { attestationSubject, choosePlatform, isAttestation, platformEntries, platformOf, platformString } from './platform';
import type { AttestationReport, AttestationStatement, Descriptor, ImageReference } from './types';

const STATEMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Statements read at once, and the bytes one call reads of them: an index may carry hundreds. */
const STATEMENTS_IN_FLIGHT = 4;
const STATEMENT_BYTES_PER_CALL = 64 * 1024 * 1024;

/** BuildKit's attestation manifests of an index and the in-toto statements in them. */
export class Attestations {
  constructor(
    private readonly manifests: Manifests,
    private readonly blobs: Blobs,
  ) {}

  /**
   * SBOM and provenance of an index (BuildKit's attestation manifests). Which platforms carry them comes from the
   * index alone; the statements are read for one platform (requested, else the default choice), since every
   * attestation manifest read is a manifest GET that Docker Hub counts.
   */
  async getAttestations(reference: ImageReference, platform?: string, signal?: AbortSignal): Promise<AttestationReport> {
    const top = await this.manifests.getManifest(reference, signal);
    const report: AttestationReport = {
      reference,
      digest: top.digest,
      ...(top.resolvedAt ? { resolvedAt: top.resolvedAt } : {}),
      mediaType: top.mediaType,
      kind: top.kind,
      platforms: [],
      attestedPlatforms: [],
      statements: [],
    };
    if (top.kind !== 'index') return report;
    const index = top.index!;
    const images = platformEntries(index);
    const platformByDigest = new Map(images.map((descriptor) => [descriptor.digest, platformString(platformOf(descriptor))]));
    report.platforms = images.map((descriptor) => platformString(platformOf(descriptor)));
    const attestations = index.manifests.filter(isAttestation);
    report.attestedPlatforms = attestations
      .map((descriptor) => platformByDigest.get(attestationSubject(descriptor) ?? ''))
      .filter((name): name is string => name !== undefined);
    if (attestations.length === 0 || images.length === 0) return report;
    const choice = choosePlatform(index, platform, `image ${reference.familiar}`);
    report.platform = platformString(choice.platform);
    report.platformChoice = choice.choice;
    const attestation = attestations.find((descriptor) => attestationSubject(descriptor) === choice.descriptor.digest);
    if (!attestation) return report;
    report.attestationDigest = attestation.digest;
    const manifest = await this.manifests.getManifestByDigest(reference, attestation.digest, signal);
    if (manifest.kind !== 'image') return report;
    const budget = { bytesLeft: STATEMENT_BYTES_PER_CALL };
    report.statements = await mapWithConcurrency(manifest.image!.layers, STATEMENTS_IN_FLIGHT, (layer) =>
      this.readStatement(reference, layer, budget, signal),
    );
    return report;
  }

  /**
   * The predicate of a statement getAttestations summarised, for reading its content; undefined when it was not read
   * (`note`). The blob is cached by digest, so this costs no second download.
   */
  async getStatementPredicate(
    reference: ImageReference,
    statement: AttestationStatement,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> {
    if (statement.note || statement.kind === 'other' || statement.size > STATEMENT_MAX_BYTES) return undefined;
    return predicateOf(parseJson(await this.blobs.getBlob(reference, statement.digest, STATEMENT_MAX_BYTES, signal)));
  }

  private async readStatement(
    reference: ImageReference,
    layer: Descriptor,
    budget: { bytesLeft: number },
    signal?: AbortSignal,
  ): Promise<AttestationStatement> {
    const predicateType = layer.annotations?.['in-toto.io/predicate-type'] ?? 'unknown';
    const statement: AttestationStatement = { predicateType, kind: statementKind(predicateType), digest: layer.digest, size: layer.size };
    if (statement.kind === 'other') return statement;
    if (layer.mediaType && layer.mediaType !== MediaTypes.inToto) {
      statement.note = `stored as ${layer.mediaType}; not read`;
      return statement;
    }
    if (layer.size > STATEMENT_MAX_BYTES) {
      statement.note = `larger than ${STATEMENT_MAX_BYTES / 1024 / 1024} MiB; not read`;
      return statement;
    }
    if (layer.size > budget.bytesLeft) {
      statement.note = `not read: this call already read ${STATEMENT_BYTES_PER_CALL / 1024 / 1024} MiB of statements`;
      return statement;
    }
    budget.bytesLeft -= Math.max(0, layer.size);
    // The declared size is the bound: a blob longer than its descriptor says is refused, not buffered.
    const bytes = await this.blobs.getBlob(reference, layer.digest, Math.max(0, layer.size), signal);
    const predicate = predicateOf(parseJson(bytes));
    if (!predicate) {
      statement.note = 'not an in-toto statement';
      return statement;
    }
    return { ...statement, ...summarisePredicate(statement.kind, predicateType, predicate) };
  }
}

/** `map` over `items` with at most `limit` calls pending at once; results in the items' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
