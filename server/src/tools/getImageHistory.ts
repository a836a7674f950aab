import { z } from 'zod';
import { digestsPhrase, imageIdentity } from '../analysis/imageIdentity';
import { instructionOf } from '../analysis/instructions';
import { pairLayers } from '../analysis/layers';
import { formatBytes } from '../format';
import { describePlatformChoice } from '../registry/platform';
import { parseReference } from '../registry/reference';
import { imageArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const entry = z.object({
  created: z.string().optional().describe('Left out when equal to the previous entry\'s, or unknown'),
  created_by: z.string().optional(),
  comment: z.string().optional(),
  author: z.string().optional(),
  empty_layer: z.literal(true).optional().describe('The step changed metadata only and made no layer'),
  layer: z.object({ digest: z.string(), size: z.number() }).optional().describe('The layer this step made (compressed size)'),
});

export const getImageHistory = defineTool({
  name: 'docker_get_image_history',
  title: 'Image history',
  description:
    'Build steps as docker history shows them, oldest first: command, date, and the layer each step added.',
  input: { image: imageArg(), platform: platformArg },
  output: {
    image: z.string(),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    platform_choice: z.enum(['requested', 'default', 'first', 'only']),
    available_platforms: z.array(z.string()),
    history: z.array(entry).describe('Oldest first'),
    layer_count: z.number(),
    empty_history_entries: z.number().describe('History entries that made no layer (ENV, CMD, LABEL…)'),
    note: z.string().optional().describe('Set when history and layers do not pair one to one'),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const image = await services.registry.getImage(parseReference(args.image), args.platform, signal);
    const history = image.config.history ?? [];
    const pairing = pairLayers(image.manifest.layers, image.config);
    const layerByEntry = new Map(
      pairing.layers.filter((l) => l.historyIndex !== undefined).map((l) => [l.historyIndex!, { digest: l.digest, size: l.size }]),
    );
    // Builders stamp many steps with the same time; saying it once per run of steps keeps the answer short.
    let previousCreated: string | undefined;
    const entries = history.map((step, index) => {
      const out: z.input<typeof entry> = {};
      if (step.created && step.created !== previousCreated) out.created = step.created;
      previousCreated = step.created;
      if (step.created_by) out.created_by = step.created_by;
      if (step.comment) out.comment = step.comment;
      if (step.author) out.author = step.author;
      if (step.empty_layer) out.empty_layer = true;
      const layer = layerByEntry.get(index);
      if (layer) out.layer = layer;
      return out;
    });
    return {
      ...imageIdentity(image),
      platform_choice: image.platformChoice,
      available_platforms: image.availablePlatforms,
      history: entries,
      layer_count: image.manifest.layers.length,
      empty_history_entries: pairing.emptyHistoryEntries,
      ...(pairing.note ? { note: pairing.note } : {}),
      ...(history.length === 0 ? { note: 'the image config records no history' } : {}),
    };
  },
  summarize(result) {
    const lines = [
      `${result.image} ${digestsPhrase(result)}, platform ${describePlatformChoice(result.platform, result.platform_choice, result.available_platforms)}:`,
      `${result.history.length} step(s), ${result.layer_count} layer(s), ${result.empty_history_entries} made no layer.`,
      ...result.history.map((step, i) => {
        const text = instructionOf(step.created_by).text || '(no command recorded)';
        const made = step.layer ? formatBytes(step.layer.size) : step.empty_layer ? 'empty' : 'no layer';
        return `${i + 1}. [${made}] ${text.length > 120 ? `${text.slice(0, 119)}…` : text}`;
      }),
    ];
    if (result.note) lines.push(`Note: ${result.note}.`);
    lines.push(...tagAgeNote(result.image, result.resolved_at));
    return lines.join('\n');
  },
  example: { image: 'demo:schema2' },
});
