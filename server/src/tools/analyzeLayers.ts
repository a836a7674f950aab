import { z } from 'zod';
import { digestsPhrase, imageIdentity, oneLineInstruction, platformPhrase } from '../analysis/imageIdentity';
import { compressedSize, pairLayers, percentOf } from '../analysis/layers';
import { formatBytes } from '../format';
import { parseReference } from '../registry/reference';
import { compressedSizeOutput, imageArg, layersPhrase, limitArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** Instructions are one line in this listing; docker_get_dockerfile has them whole. */
const INSTRUCTION_MAX = 300;
const SUMMARY_INSTRUCTION_MAX = 100;

const layer = z.object({
  index: z.number().describe('Position in the manifest, 0 = bottom layer'),
  digest: z.string(),
  size: z.number().describe('Compressed bytes'),
  percent: z.number().describe('Share of compressed_size, in percent'),
  instruction: z.string().nullable().describe('The Dockerfile instruction that made the layer, on one line; null when history does not say'),
  created: z.string().nullable(),
});

export const analyzeLayers = defineTool({
  name: 'docker_analyze_layers',
  title: 'Analyze image layers',
  description:
    'Layers of one platform: size, share of the total, the instruction that made each. Use to see what makes an image big.',
  input: {
    image: imageArg(),
    platform: platformArg,
    sort: z.enum(['order', 'size']).default('order').describe('Bottom or largest first'),
    limit: limitArg(500, 50).describe('Layers listed'),
  },
  output: {
    image: z.string(),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    layer_count: z.number(),
    compressed_size: compressedSizeOutput,
    empty_history_entries: z.number().describe('History entries that made no layer (ENV, CMD, LABEL…)'),
    sort: z.enum(['order', 'size']),
    layers: z.array(layer),
    truncated: z.boolean().describe('True when limit cut the list'),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const resolved = await services.registry.getImage(parseReference(args.image), args.platform, signal);
    const pairing = pairLayers(resolved.manifest.layers, resolved.config);
    const total = compressedSize(resolved.manifest.layers);
    const layers = pairing.layers.map((paired) => ({
      index: paired.index,
      digest: paired.digest,
      size: paired.size,
      percent: percentOf(paired.size, total),
      instruction: paired.instruction?.text ? oneLineInstruction(paired.instruction.text, INSTRUCTION_MAX) : null,
      created: paired.created ?? null,
    }));
    if (args.sort === 'size') layers.sort((a, b) => b.size - a.size || a.index - b.index);
    const notes: string[] = [];
    if (pairing.note) notes.push(`Layers and history disagree: ${pairing.note}.`);
    if (!args.platform && resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(resolved)}.`);
    return {
      ...imageIdentity(resolved),
      layer_count: resolved.manifest.layers.length,
      compressed_size: total,
      empty_history_entries: pairing.emptyHistoryEntries,
      sort: args.sort,
      layers: layers.slice(0, args.limit),
      truncated: layers.length > args.limit,
      notes,
    };
  },
  summarize(result) {
    const largest = [...result.layers].sort((a, b) => b.size - a.size).slice(0, 3);
    const share = (entry: z.output<typeof layer>) => `#${entry.index} ${formatBytes(entry.size)} (${entry.percent}%)`;
    const instruction = (entry: z.output<typeof layer>) =>
      entry.instruction ? oneLineInstruction(entry.instruction, SUMMARY_INSTRUCTION_MAX) : '(instruction unknown)';
    const emptyEntries = result.empty_history_entries;
    const lines = [
      `${result.image} (${result.platform}; ${digestsPhrase(result)}): ${layersPhrase(result.layer_count, result.compressed_size)}; ` +
        `${emptyEntries} history entr${emptyEntries === 1 ? 'y' : 'ies'} made no layer.`,
    ];
    if (largest.length > 0) lines.push(`Largest: ${largest.map(share).join(', ')}.`);
    lines.push(`Layers ${result.sort === 'size' ? 'by size' : 'bottom first'}${result.truncated ? ` (first ${result.layers.length})` : ''}:`);
    lines.push(...result.layers.map((entry) => `- ${share(entry)} ${instruction(entry)}`));
    lines.push(...result.notes, ...tagAgeNote(result.image, result.resolved_at));
    return lines.join('\n');
  },
  example: { image: 'app:1', sort: 'size', limit: 5 },
});
