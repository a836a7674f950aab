import { z } from 'zod';
import { compareImages as compare, type UniqueLayer } from '../analysis/compare';
import { imageIdentity, oneLineInstruction, platformPhrase } from '../analysis/imageIdentity';
import { formatBytes, shortDigest } from '../format';
import { platformString } from '../registry/platform';
import { parseReference } from '../registry/reference';
import type { ResolvedImage } from '../registry/types';
import { imageArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** Unique layers and config differences are listed up to these counts; counts and sizes always cover all. */
const LAYERS_LISTED = 25;
const DIFFERENCES_LISTED = 100;
const INSTRUCTION_MAX = 200;

const side = z.object({
  image: z.string(),
  digest: z.string().describe('Digest of the platform\'s image manifest'),
  platform: z.string(),
  layer_count: z.number(),
  size: z.number().describe('Compressed bytes of its layers, a repeated layer counted once'),
});

const uniqueLayers = z.object({
  count: z.number(),
  size: z.number().describe('Compressed bytes'),
  layers: z
    .array(
      z.object({
        index: z.number().describe('Position in its image, 0 = bottom'),
        digest: z.string(),
        size: z.number(),
        instruction: z.string().nullable().describe('The instruction that made it, on one line'),
      }),
    )
    .describe(`Up to ${LAYERS_LISTED} layers, bottom first`),
});

export const compareImages = defineTool({
  name: 'docker_compare_images',
  title: 'Compare two images',
  description:
    'Compare two images for one platform: shared and unique layers, common base depth, sizes and difference (b − a), config changes.',
  input: {
    image_a: imageArg('Before'),
    image_b: imageArg('After'),
    platform: platformArg.describe('os/arch[/variant], for both'),
  },
  output: {
    a: side,
    b: side,
    identical: z.boolean().describe('Both references are the very same image manifest'),
    shared_layers: z.object({ count: z.number(), size: z.number() }).describe('Distinct layers in both, and their compressed bytes'),
    common_prefix: z.number().describe('Bottom layers identical in both, position by position'),
    only_in_a: uniqueLayers,
    only_in_b: uniqueLayers,
    size_delta: z.number().describe('b.size − a.size, compressed bytes'),
    config_differences: z
      .array(
        z.object({
          field: z.string().describe('os, architecture, variant, user, workdir, entrypoint, cmd, exposedPorts, volumes, env or labels'),
          key: z.string().nullable().describe('Variable or label name, for env and labels'),
          a: z.string().nullable().describe('Value in a; null when not set. Lists are JSON; ports and volumes space-separated'),
          b: z.string().nullable(),
        }),
      )
      .describe(`Up to ${DIFFERENCES_LISTED} differences`),
    config_differences_total: z.number(),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const referenceA = parseReference(args.image_a, 'image_a');
    const referenceB = parseReference(args.image_b, 'image_b');
    const [a, b] = await Promise.all([
      services.registry.getImage(referenceA, args.platform, signal),
      services.registry.getImage(referenceB, args.platform, signal),
    ]);
    const comparison = compare({ layers: a.manifest.layers, config: a.config }, { layers: b.manifest.layers, config: b.config });
    const notes: string[] = [];
    if (platformString(a.platform) !== platformString(b.platform)) {
      notes.push(`The images are for different platforms (${platformString(a.platform)} and ${platformString(b.platform)}): give platform to compare like with like.`);
    }
    for (const [name, image] of [['a', a], ['b', b]] as const) {
      if (!args.platform && image.platformChoice !== 'only') notes.push(`Platform chosen for ${name}: ${platformPhrase(image)}.`);
    }
    return {
      a: sideOf(a, comparison.sizeA),
      b: sideOf(b, comparison.sizeB),
      identical: a.digest === b.digest,
      shared_layers: comparison.sharedLayers,
      common_prefix: comparison.commonPrefix,
      only_in_a: uniqueOf(comparison.onlyInA),
      only_in_b: uniqueOf(comparison.onlyInB),
      size_delta: comparison.sizeDelta,
      config_differences: comparison.configDifferences
        .slice(0, DIFFERENCES_LISTED)
        .map((difference) => ({ field: difference.field, key: difference.key ?? null, a: difference.a, b: difference.b })),
      config_differences_total: comparison.configDifferences.length,
      notes,
    };
  },
  summarize(result) {
    const { a, b } = result;
    const lines = [`${a.image} (${shortDigest(a.digest)}…, ${a.platform}) vs ${b.image} (${shortDigest(b.digest)}…, ${b.platform}).`];
    if (result.identical) lines.push('They are the same image.');
    lines.push(
      `Size: ${formatBytes(a.size)} → ${formatBytes(b.size)} (${signedBytes(result.size_delta)}), ${a.layer_count} → ${b.layer_count} layers.`,
      `Shared: ${result.shared_layers.count} layer(s), ${formatBytes(result.shared_layers.size)}; the bottom ${result.common_prefix} layer(s) are identical.`,
    );
    for (const [label, unique] of [
      ['Only in a', result.only_in_a],
      ['Only in b', result.only_in_b],
    ] as const) {
      if (unique.count === 0) continue;
      lines.push(`${label}: ${unique.count} layer(s), ${formatBytes(unique.size)}:`);
      lines.push(...unique.layers.map((l) => `- #${l.index} ${formatBytes(l.size)} ${l.instruction ? oneLineInstruction(l.instruction, 100) : '(instruction unknown)'}`));
      if (unique.layers.length < unique.count) lines.push(`- … ${unique.count - unique.layers.length} more`);
    }
    if (result.config_differences_total === 0) {
      lines.push('Config: no differences in env, entrypoint, cmd, user, workdir, ports, volumes, labels or platform.');
    } else {
      lines.push(`Config differences (${result.config_differences_total}):`);
      lines.push(
        ...result.config_differences.map(
          (d) => `- ${d.field}${d.key !== null ? ` ${d.key}` : ''}: ${d.a ?? '(unset)'} → ${d.b ?? '(unset)'}`,
        ),
      );
    }
    lines.push(...result.notes);
    return lines.join('\n');
  },
  example: { image_a: 'web:1.27.1', image_b: 'web:1.27.2', platform: 'linux/amd64' },
});

function sideOf(image: ResolvedImage, size: number) {
  return { ...imageIdentity(image), layer_count: image.manifest.layers.length, size };
}

function uniqueOf(layers: UniqueLayer[]) {
  return {
    count: layers.length,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    layers: layers.slice(0, LAYERS_LISTED).map((layer) => ({
      index: layer.index,
      digest: layer.digest,
      size: layer.size,
      instruction: layer.instruction ? oneLineInstruction(layer.instruction, INSTRUCTION_MAX) : null,
    })),
  };
}

function signedBytes(delta: number): string {
  return delta === 0 ? 'no change' : `${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))}`;
}
