import { z } from 'zod';
import { globMatcher, mergeLayers, type PathChange } from '../analysis/files';
import { platformPhrase } from '../analysis/imageIdentity';
import { formatBytes, shortDigest } from '../format';
import { budgetArg, coveragePhrase, coverageSchema, readImageFiles } from './layerFiles';
import { cursorArg, nextCursorOutput, nextPagePhrase, pageOf, startOf } from './cursor';
import { imageArg, limitArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const change = z.object({
  path: z.string(),
  layer: z.number(),
  change: z.enum(['added', 'changed', 'deleted']),
  type: z.enum(['file', 'dir', 'symlink', 'hardlink', 'other']),
  size: z.number(),
});

export const findInImage = defineTool({
  name: 'docker_find_in_image',
  title: 'Find files in image layers',
  description:
    'Layers that add, change or delete paths matching a glob (e.g. **/libssl*), oldest first, without pulling.',
  input: {
    image: imageArg(),
    platform: platformArg,
    pattern: z.string().min(1).max(1024).describe('Glob; without "/" it matches at any depth'),
    limit: limitArg(1000, 100),
    cursor: cursorArg,
    max_download_bytes: budgetArg,
  },
  output: {
    image: z.string(),
    digest: z.string(),
    platform: z.string(),
    pattern: z.string(),
    changes: z.array(change),
    total: z.number(),
    page: z.number(),
    next_cursor: nextCursorOutput,
    coverage: coverageSchema,
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  readsLayers: true,
  async handler(args, services, signal, progress) {
    const { offset } = startOf('docker_find_in_image', args);
    const files = await readImageFiles(services, args, signal, progress);
    const matches = globMatcher(args.pattern);
    const changes: PathChange[] = [];
    mergeLayers(files.layers, { onChange: (found) => matches(found.path) && changes.push(found) });
    const notes: string[] = [];
    if (!args.platform && files.resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(files.resolved)}.`);
    const page = pageOf('docker_find_in_image', args, changes, offset);
    return {
      ...files.identity,
      pattern: args.pattern,
      changes: page.entries,
      total: changes.length,
      page: page.page,
      next_cursor: page.next_cursor,
      coverage: files.coverage,
      notes,
    };
  },
  summarize(result) {
    const lines = [
      `${result.image} (${result.platform}, ${shortDigest(result.digest)}…): ${result.total} change(s) to paths matching ${result.pattern}` +
        `${result.page > 1 || result.next_cursor ? `, page ${result.page}: ${result.changes.length} shown` : ''}${nextPagePhrase(result.next_cursor)}.`,
    ];
    for (const found of result.changes) {
      lines.push(`- layer ${found.layer}: ${found.change} ${found.path} (${found.type}, ${formatBytes(found.size)})`);
    }
    lines.push(coveragePhrase(result.coverage), ...result.notes);
    return lines.join('\n');
  },
  example: { image: 'app:1', pattern: '**/server' },
});
