import { z } from 'zod';
import { digestsPhrase, imageIdentity, platformPhrase } from '../analysis/imageIdentity';
import { compressedSize } from '../analysis/layers';
import { estimatePull } from '../analysis/pullSize';
import { formatBytes, shortDigest } from '../format';
import { platformString } from '../registry/platform';
import { isDigest, parseReference } from '../registry/reference';
import { compressedSizeOutput, configSizeOutput, imageArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const LAYERS_LISTED = 50;

const amount = z.object({ count: z.number().describe('Distinct layers'), size: z.number().describe('Compressed bytes') });

export const estimatePullSize = defineTool({
  name: 'docker_estimate_pull_size',
  title: 'Estimate pull size',
  description:
    'Bytes docker pull downloads for one platform, minus layers already held (have, have_digests). Use to compare candidates.',
  input: {
    image: imageArg(),
    platform: platformArg,
    have: imageArg('Image already pulled').optional(),
    have_digests: z
      .array(
        z.string().refine(isDigest, 'must be a digest such as sha256:<64 hex digits>'),
      )
      .max(1000)
      .optional()
      .describe('Layers already held'),
  },
  output: {
    image: z.string(),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    layer_count: z.number().describe('Layers the manifest lists'),
    distinct_layer_count: z.number().describe('Layers without repeats: each is downloaded once'),
    compressed_size: compressedSizeOutput,
    config_size: configSizeOutput,
    held: amount.describe('Layers already held (from have / have_digests)'),
    download: amount.describe('Layers still to download'),
    layers_to_download: z
      .array(z.object({ index: z.number().describe('Position in the manifest, 0 = bottom'), digest: z.string(), size: z.number() }))
      .describe(`Up to ${LAYERS_LISTED} layers, bottom first`),
    have: z
      .object({ image: z.string(), digest: readDigestOutput, pin_digest: pinDigestOutput, platform: z.string(), layer_count: z.number() })
      .nullable()
      .describe('The held image, as resolved'),
    have_digests_matched: z.number().describe('How many of have_digests are layers of this image'),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    // Sizes are in the manifests: no config is read but a single image's, which alone names its platform.
    const resolved = await services.registry.getImageManifest(parseReference(args.image), args.platform, signal);
    const platform = platformString(resolved.platform);
    const held = await (args.have
      ? services.registry.getImageManifest(parseReference(args.have, 'have'), platform, signal)
      : Promise.resolve(undefined));
    const heldDigests = new Set([...(args.have_digests ?? []), ...(held?.manifest.layers.map((layer) => layer.digest) ?? [])]);
    const estimate = estimatePull(resolved.manifest.layers, heldDigests);
    const ownDigests = new Set(resolved.manifest.layers.map((layer) => layer.digest));
    const notes: string[] = [];
    if (!args.platform && resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(resolved)}.`);
    if (estimate.distinctLayers < estimate.layerCount) {
      notes.push(`${estimate.layerCount - estimate.distinctLayers} layer(s) repeat in the manifest and are downloaded once.`);
    }
    return {
      ...imageIdentity(resolved),
      layer_count: estimate.layerCount,
      distinct_layer_count: estimate.distinctLayers,
      compressed_size: compressedSize(resolved.manifest.layers),
      config_size: resolved.manifest.config.size,
      held: estimate.held,
      download: estimate.download,
      layers_to_download: estimate.layersToDownload.slice(0, LAYERS_LISTED),
      have: held ? { ...imageIdentity(held), layer_count: held.manifest.layers.length } : null,
      have_digests_matched: [...new Set(args.have_digests ?? [])].filter((digest) => ownDigests.has(digest)).length,
      notes,
    };
  },
  summarize(result, args) {
    const heldFrom = [
      result.have ? `${result.have.image}` : undefined,
      result.have_digests_matched > 0 ? `${result.have_digests_matched} given digest(s)` : undefined,
    ].filter(Boolean);
    const lines = [
      `Pulling ${result.image} (${result.platform}; ${digestsPhrase(result)}) downloads ${result.download.count} of ` +
        `${result.distinct_layer_count} layer(s): ${formatBytes(result.download.size)} of ${formatBytes(result.compressed_size)} compressed, ` +
        `plus a ${formatBytes(result.config_size)} config.`,
    ];
    if (result.held.count > 0) lines.push(`Already held: ${result.held.count} layer(s), ${formatBytes(result.held.size)} (from ${heldFrom.join(' and ')}).`);
    else if (args.have || args.have_digests?.length) lines.push('None of the held layers are in this image.');
    if (result.layers_to_download.length > 0) {
      lines.push('To download:', ...result.layers_to_download.map((layer) => `- #${layer.index} ${shortDigest(layer.digest)}… ${formatBytes(layer.size)}`));
    }
    lines.push(...result.notes, ...tagAgeNote(result.image, result.resolved_at));
    return lines.join('\n');
  },
  example: { image: 'app:1', platform: 'linux/amd64', have: 'base:1' },
});
