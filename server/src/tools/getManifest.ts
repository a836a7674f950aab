import { z } from 'zod';
import { compressedSize } from '../analysis/layers';
import { formatBytes, shortDigest } from '../format';
import { formatName } from '../registry/manifest';
import { attestationSubject, choosePlatform, isAttestation, platformOf, platformString } from '../registry/platform';
import { parseReference } from '../registry/reference';
import type { FetchedManifest } from '../registry/types';
import { compressedSizeOutput, imageArg, layersPhrase, platformArg, resolvedAtField } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const descriptor = { digest: z.string(), size: z.number().describe('Bytes') };

export const getManifest = defineTool({
  name: 'docker_get_manifest',
  title: 'Image manifest',
  description:
    "A reference's manifest: an index's platforms (digests, sizes, attestations) or an image's config and layers.",
  input: {
    image: imageArg(),
    platform: platformArg.describe("Its manifest, not the index's"),
  },
  output: {
    image: z.string().describe('The reference as people write it'),
    digest: z.string().describe('Digest of the manifest shown'),
    media_type: z.string(),
    size: z.number().describe('Manifest bytes'),
    kind: z.enum(['index', 'image']),
    resolved_at: resolvedAtField,
    index_digest: z.string().optional().describe('The index the platform manifest was read from'),
    platform: z.string().optional().describe('Platform of the manifest shown, when read from an index'),
    platforms: z
      .array(z.object({ platform: z.string(), ...descriptor }))
      .optional()
      .describe('Index: image entries (attestations left out)'),
    attestations: z
      .array(z.string())
      .optional()
      .describe('Index: platforms that have an attestation manifest (SBOM/provenance); details in docker_get_attestations'),
    config: z.object({ media_type: z.string(), ...descriptor }).optional(),
    layers: z.array(z.object(descriptor)).optional().describe('Image: layers bottom to top, compressed sizes'),
    layer_media_types: z.array(z.string()).optional().describe('Distinct layer media types'),
    layer_count: z.number().optional(),
    compressed_size: compressedSizeOutput.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    // What a tag points at now: a cached look-up is checked by HEAD (free), so this answer never lags a push.
    const top = await services.registry.getManifest(reference, signal, { fresh: true });
    if (!args.platform) return { ...describe(top), ...resolvedAtOf(top) };
    if (top.kind === 'index') {
      const choice = choosePlatform(top.index!, args.platform, `image ${reference.familiar}`);
      const child = await services.registry.getManifestByDigest(reference, choice.descriptor.digest, signal);
      return { ...describe(child), ...resolvedAtOf(top), index_digest: top.digest, platform: platformString(choice.platform) };
    }
    // A single image names its platform only in its config; getImage reads it and refuses a mismatch.
    const image = await services.registry.getImage(reference, args.platform, signal);
    return { ...describe(top), ...resolvedAtOf(top), platform: platformString(image.platform) };
  },
  summarize(result, args) {
    const head = `${result.image}: ${formatName(result.media_type)} ${result.digest}`;
    if (result.kind === 'index') {
      const platforms = result.platforms ?? [];
      const attestations = result.attestations ?? [];
      const lines = [
        `${head}, ${platforms.length} platform(s): ${platforms.map((p) => p.platform).join(', ') || 'none'}.`,
        attestations.length > 0
          ? `Attestations (SBOM/provenance) for ${attestations.join(', ')}; see docker_get_attestations.`
          : 'No attestations.',
        'Pass platform to see one platform\'s layers.',
      ];
      return lines.join('\n');
    }
    const layers = result.layers ?? [];
    const from = result.index_digest ? ` (${result.platform} from index ${shortDigest(result.index_digest)}…)` : '';
    const lines = [
      `${head}${from}.`,
      `${layersPhrase(layers.length, result.compressed_size ?? 0)}; config ${shortDigest(result.config?.digest ?? '')}… ${formatBytes(result.config?.size)}`,
      ...layers.map((layer, i) => `${i + 1}. ${shortDigest(layer.digest)}… ${formatBytes(layer.size)}`),
    ];
    if (args.platform && !result.index_digest) lines.push(`Single-platform image: ${result.platform}.`);
    return lines.join('\n');
  },
  example: { image: 'demo:1.0', platform: 'linux/arm64' },
});

function describe(manifest: FetchedManifest) {
  const base = {
    image: manifest.reference.familiar,
    digest: manifest.digest,
    media_type: manifest.mediaType,
    size: manifest.size,
    kind: manifest.kind,
  };
  if (manifest.kind === 'index') {
    const entries = manifest.index!.manifests;
    const platformByDigest = new Map(
      entries.filter((d) => !isAttestation(d)).map((d) => [d.digest, platformString(platformOf(d))]),
    );
    return {
      ...base,
      platforms: entries
        .filter((d) => !isAttestation(d))
        .map((d) => ({ platform: platformString(platformOf(d)), digest: d.digest, size: d.size })),
      attestations: entries.filter(isAttestation).map((d) => platformByDigest.get(attestationSubject(d) ?? '') ?? 'unknown'),
      ...annotationsOf(manifest.index!.annotations),
    };
  }
  const image = manifest.image!;
  const layers = image.layers.map((layer) => ({ digest: layer.digest, size: layer.size }));
  return {
    ...base,
    config: { media_type: image.config.mediaType, digest: image.config.digest, size: image.config.size },
    layers,
    layer_media_types: [...new Set(image.layers.map((layer) => layer.mediaType))],
    layer_count: layers.length,
    compressed_size: compressedSize(layers),
    ...annotationsOf(image.annotations),
  };
}

function resolvedAtOf(manifest: FetchedManifest) {
  return manifest.resolvedAt ? { resolved_at: manifest.resolvedAt } : {};
}

function annotationsOf(annotations: Record<string, string> | undefined) {
  return annotations && Object.keys(annotations).length > 0 ? { annotations } : {};
}
