import { z } from 'zod';
import { formatName } from '../registry/manifest';
import { describePlatformChoice } from '../registry/platform';
import { parseReference } from '../registry/reference';
import { imageArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const statement = z.object({
  predicateType: z.string().describe('in-toto predicate type, e.g. https://spdx.dev/Document'),
  kind: z.enum(['sbom', 'provenance', 'other']),
  digest: z.string(),
  size: z.number(),
  format: z.string().optional().describe('SBOM format, e.g. SPDX-2.3'),
  packages: z.number().optional().describe('SBOM: packages (SPDX) or components (CycloneDX)'),
  builder_id: z.string().optional().describe('Provenance: builder id'),
  build_type: z.string().optional(),
  materials: z.number().optional().describe('Provenance: recorded build inputs'),
  finished_on: z.string().optional(),
  note: z.string().optional().describe('Why the statement was not summarised'),
});

export const getAttestations = defineTool({
  name: 'docker_get_attestations',
  title: 'SBOM and provenance attestations',
  description:
    'SBOM and provenance attestations of an image index: which platforms have them, and a summary of one platform\'s statements (SBOM format, packages, builder, inputs).',
  input: { image: imageArg(), platform: platformArg },
  output: {
    image: z.string(),
    digest: z.string().describe('Digest of the index (or of the single manifest)'),
    mediaType: z.string(),
    platforms: z.array(z.string()).describe('Image platforms of the index'),
    attested_platforms: z.array(z.string()).describe('Platforms with an attestation manifest'),
    sbom: z.boolean().describe('The summarised platform has an SBOM'),
    provenance: z.boolean().describe('The summarised platform has provenance'),
    platform: z.string().optional().describe('Platform whose statements are summarised'),
    platform_choice: z.enum(['requested', 'default', 'first', 'only']).optional(),
    attestation_digest: z.string().optional().describe('Digest of that platform\'s attestation manifest'),
    statements: z.array(statement),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const report = await services.registry.getAttestations(parseReference(args.image), args.platform, signal);
    const statements = report.statements.map((s) => ({
      predicateType: s.predicateType,
      kind: s.kind,
      digest: s.digest,
      size: s.size,
      ...(s.format ? { format: s.format } : {}),
      ...(s.packages !== undefined ? { packages: s.packages } : {}),
      ...(s.builderId ? { builder_id: s.builderId } : {}),
      ...(s.buildType ? { build_type: s.buildType } : {}),
      ...(s.materials !== undefined ? { materials: s.materials } : {}),
      ...(s.finishedOn ? { finished_on: s.finishedOn } : {}),
      ...(s.note ? { note: s.note } : {}),
    }));
    return {
      image: report.reference.familiar,
      digest: report.digest,
      mediaType: report.mediaType,
      platforms: report.platforms,
      attested_platforms: report.attestedPlatforms,
      sbom: statements.some((s) => s.kind === 'sbom'),
      provenance: statements.some((s) => s.kind === 'provenance'),
      ...(report.platform ? { platform: report.platform, platform_choice: report.platformChoice } : {}),
      ...(report.attestationDigest ? { attestation_digest: report.attestationDigest } : {}),
      statements,
    };
  },
  summarize(result) {
    if (result.attested_platforms.length === 0) {
      const why =
        result.platforms.length === 0
          ? `it is a single ${formatName(result.mediaType)}, and attestations live in an index`
          : `its index lists no attestation manifests for ${result.platforms.join(', ')}`;
      return `${result.image} (${result.digest}) has no SBOM or provenance attestations: ${why}.`;
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
        lines.push(`- SBOM ${s.format ?? ''}${s.packages !== undefined ? `, ${s.packages} package(s)` : ''}${s.note ? ` (${s.note})` : ''}`.replace(' ,', ','));
      } else if (s.kind === 'provenance') {
        const parts = [
          s.builder_id ? `builder ${s.builder_id}` : 'builder not recorded',
          s.build_type ? `build type ${s.build_type}` : undefined,
          s.materials !== undefined ? `${s.materials} input(s)` : undefined,
        ].filter(Boolean);
        lines.push(`- Provenance (${s.predicateType}): ${parts.join(', ')}${s.note ? ` (${s.note})` : ''}`);
      } else {
        lines.push(`- Other statement: ${s.predicateType}`);
      }
    }
    if (result.platform && result.statements.length === 0) lines.push(`- none for ${result.platform}`);
    return lines.join('\n');
  },
  example: { image: 'svc:1' },
});
