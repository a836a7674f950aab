import { z } from 'zod';
import { buildParameters, provenanceMaterials, sbomPackages } from '../analysis/attestationContent';
import { DockerMcpError } from '../errors';
import { hubImageName } from '../hub/reference';
import { formatName } from '../registry/manifest';
import { describePlatformChoice } from '../registry/platform';
import { DEFAULT_REGISTRY, parseReference } from '../registry/reference';
import type { ImageReference } from '../registry/types';
import type { Services } from '../services';
import { cursorArg, nextCursorOutput, nextPagePhrase, pageOf, startOf } from './cursor';
import { imageArg, limitArg, platformArg, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const statement = z.object({
  predicate_type: z.string().describe('in-toto predicate type, e.g. https://spdx.dev/Document'),
  kind: z.enum(['sbom', 'provenance', 'other']),
  digest: z.string(),
  size: z.number(),
  format: z.string().optional().describe('SBOM format, e.g. SPDX-2.3'),
  package_count: z.number().optional().describe('SBOM: how many packages (SPDX) or components (CycloneDX)'),
  builder_id: z.string().optional().describe('Provenance: builder id'),
  build_type: z.string().optional(),
  material_count: z.number().optional().describe('Provenance: how many build inputs are recorded'),
  finished_on: z.string().optional(),
  note: z.string().optional().describe('Why the statement was not summarised'),
});

const sbomPackage = z.object({
  name: z.string(),
  version: z.string().nullable(),
  type: z.string().nullable().describe('Package ecosystem from its purl (apk, deb, npm, pypi…) or the SBOM\'s component type'),
  license: z.string().nullable(),
});

export const getAttestations = defineTool({
  name: 'docker_get_attestations',
  title: 'SBOM and provenance attestations',
  description:
    'SBOM and provenance of an image: platforms that have them, SBOM packages (paged, by name), builder, materials, build parameters.',
  input: {
    image: imageArg(),
    platform: platformArg,
    package: z.string().min(1).max(128).optional().describe('Package name contains'),
    limit: limitArg(200, 50),
    cursor: cursorArg,
  },
  output: {
    image: z.string(),
    digest: z.string().describe('Digest of the index (or of the single manifest)'),
    resolved_at: resolvedAtField,
    media_type: z.string(),
    platforms: z.array(z.string()).describe('Image platforms of the index'),
    attested_platforms: z.array(z.string()).describe('Platforms with an attestation manifest'),
    sbom: z.boolean().describe('The summarised platform has an SBOM'),
    provenance: z.boolean().describe('The summarised platform has provenance'),
    platform: z.string().optional().describe('Platform whose statements are summarised'),
    platform_choice: z.enum(['requested', 'default', 'first', 'only']).optional(),
    attestation_digest: z.string().optional().describe('Digest of that platform\'s attestation manifest'),
    statements: z.array(statement),
    packages: z.array(sbomPackage).describe('SBOM packages of the platform, this page, filtered by `package`'),
    packages_total: z.number().nullable().describe('SBOM packages matching the filter; null without a readable SBOM'),
    page: z.number(),
    next_cursor: nextCursorOutput,
    materials: z
      .array(z.object({ uri: z.string(), digest: z.string().nullable() }))
      .describe('Provenance: build inputs (base images, frontends, sources) with the digest they resolved to'),
    build_parameters: z.record(z.string(), z.string()).describe('Provenance: build parameters (frontend, build args, target…)'),
    listed_by: z
      .array(z.string())
      .describe('For a single manifest: Docker Hub tags whose index lists it, where its attestations would be'),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    const { offset } = startOf('docker_get_attestations', args);
    const report = await services.registry.getAttestations(reference, args.platform, signal);
    const statements = report.statements.map((s) => ({
      predicate_type: s.predicateType,
      kind: s.kind,
      digest: s.digest,
      size: s.size,
      ...(s.format ? { format: s.format } : {}),
      ...(s.packages !== undefined ? { package_count: s.packages } : {}),
      ...(s.builderId ? { builder_id: s.builderId } : {}),
      ...(s.buildType ? { build_type: s.buildType } : {}),
      ...(s.materials !== undefined ? { material_count: s.materials } : {}),
      ...(s.finishedOn ? { finished_on: s.finishedOn } : {}),
      ...(s.note ? { note: s.note } : {}),
    }));
    const sbom = report.statements.find((s) => s.kind === 'sbom');
    const provenance = report.statements.find((s) => s.kind === 'provenance');
    const packages = sbom ? sbomPackages(await services.registry.getStatementPredicate(reference, sbom, signal)) : undefined;
    const provenancePredicate = provenance ? await services.registry.getStatementPredicate(reference, provenance, signal) : undefined;
    const matching = (packages ?? []).filter((item) => !args.package || item.name.toLowerCase().includes(args.package.toLowerCase()));
    const page = pageOf('docker_get_attestations', args, matching, offset);
    return {
      image: report.reference.familiar,
      digest: report.digest,
      ...(report.resolvedAt ? { resolved_at: report.resolvedAt } : {}),
      media_type: report.mediaType,
      platforms: report.platforms,
      attested_platforms: report.attestedPlatforms,
      sbom: statements.some((s) => s.kind === 'sbom'),
      provenance: statements.some((s) => s.kind === 'provenance'),
      ...(report.platform ? { platform: report.platform, platform_choice: report.platformChoice } : {}),
      ...(report.attestationDigest ? { attestation_digest: report.attestationDigest } : {}),
      statements,
      packages: page.entries,
      packages_total: packages ? matching.length : null,
      page: page.page,
      next_cursor: page.next_cursor,
      materials: provenancePredicate ? provenanceMaterials(provenancePredicate) : [],
      build_parameters: provenancePredicate ? buildParameters(provenancePredicate) : {},
      listed_by: report.kind === 'image' ? await indexesListing(reference, report.digest, services, signal) : [],
    };
  },
  summarize(result) {
    if (result.attested_platforms.length === 0) {
      if (result.platforms.length === 0) {
        const where =
          result.listed_by.length > 0
            ? `It is an image of the index that ${result.listed_by.join(', ')} point${result.listed_by.length === 1 ? 's' : ''} at: ask about ${result.listed_by[0]} instead.`
            : 'Ask about the tag or index digest it was pulled by.';
        return (
          `${result.image} (${result.digest}) is a single ${formatName(result.media_type)}: attestations are stored in the index that ` +
          `lists a platform's manifest, so whether it has any cannot be told from it. ${where}`
        );
      }
      return `${result.image} (${result.digest}) has no SBOM or provenance attestations: its index lists no attestation manifests for ${result.platforms.join(', ')}.`;
    }
    const lines = [
      `${result.image} (${result.digest}): attestations for ${result.attested_platforms.join(', ')}` +
        `${result.attested_platforms.length < result.platforms.length ? ` (not for ${result.platforms.filter((p) => !result.attested_platforms.includes(p)).join(', ')})` : ''}.`,
    ];
    if (result.platform && result.platform_choice) {
      lines.push(`Statements for ${describePlatformChoice(result.platform, result.platform_choice, result.platforms)}:`);
    }
    for (const s of result.statements) {
      if (s.kind === 'sbom') {
        lines.push(`- SBOM ${s.format ?? ''}${s.package_count !== undefined ? `, ${s.package_count} package(s)` : ''}${s.note ? ` (${s.note})` : ''}`.replace(' ,', ','));
      } else if (s.kind === 'provenance') {
        const parts = [
          s.builder_id ? `builder ${s.builder_id}` : 'builder not recorded',
          s.build_type ? `build type ${s.build_type}` : undefined,
          s.material_count !== undefined ? `${s.material_count} input(s)` : undefined,
        ].filter(Boolean);
        lines.push(`- Provenance (${s.predicate_type}): ${parts.join(', ')}${s.note ? ` (${s.note})` : ''}`);
      } else {
        lines.push(`- Other statement: ${s.predicate_type}`);
      }
    }
    if (result.platform && result.statements.length === 0) lines.push(`- none for ${result.platform}`);
    if (result.packages_total !== null) {
      const paged = result.page > 1 || result.next_cursor !== null;
      lines.push(`Packages (${result.packages_total}${paged ? `, page ${result.page}: ${result.packages.length} shown${nextPagePhrase(result.next_cursor)}` : ''}):`);
      lines.push(...result.packages.map((item) => `- ${item.name} ${item.version ?? '?'} (${[item.type, item.license].filter(Boolean).join(', ') || 'no type or licence'})`));
    }
    if (result.materials.length > 0) lines.push('Build inputs:', ...result.materials.map((m) => `- ${m.uri}${m.digest ? ` @ ${m.digest}` : ''}`));
    const parameters = Object.entries(result.build_parameters);
    if (parameters.length > 0) lines.push(`Build parameters: ${parameters.map(([key, value]) => `${key}=${value}`).join(', ')}`);
    lines.push(...tagAgeNote(result.image, result.resolved_at));
    return lines.join('\n');
  },
  example: { image: 'svc:1' },
});

/**
 * Docker Hub tags whose index lists `digest` among its platforms (first page of 100 tags, newest first): where the
 * attestations of a platform manifest would be. Other registries list no digests per tag, so none are named there.
 */
async function indexesListing(reference: ImageReference, digest: string, services: Services, signal: AbortSignal): Promise<string[]> {
  if (reference.registry !== DEFAULT_REGISTRY) return [];
  try {
    const hub = hubImageName(reference.familiar, 'docker_get_attestations');
    const page = await services.hub.listTags(hub.namespace, hub.name, { page: 1, pageSize: 100 }, signal);
    return page.results
      .filter((tag) => tag.digest !== digest && tag.images.some((image) => image.digest === digest))
      .map((tag) => `${hub.familiar}:${tag.name}`);
  } catch (err) {
    if (!(err instanceof DockerMcpError) || signal.aborted) throw err;
    return [];
  }
}
