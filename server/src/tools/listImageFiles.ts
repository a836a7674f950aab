import { z } from 'zod';
import { globMatcher, isGlob, lookup, mergeLayers, totals, treePath, walk, type FileNode } from '../analysis/files';
import { platformPhrase } from '../analysis/imageIdentity';
import { DockerMcpError } from '../errors';
import { formatBytes, shortDigest } from '../format';
import type { LayerEntry } from '../layers/types';
import { budgetArg, coveragePhrase, coverageSchema, readImageFiles } from './layerFiles';
import { cursorArg, nextCursorOutput, nextPagePhrase, pageOf, startOf } from './cursor';
import { imageArg, limitArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const entrySchema = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'hardlink', 'other', 'whiteout', 'opaque']),
  size: z.number().describe('Bytes; a directory: all files beneath'),
  files: z.number().optional().describe('Directories: files beneath'),
  layer: z.number().describe('Layer that last wrote it'),
  mode: z.string(),
  uid: z.number(),
  gid: z.number(),
  link: z.string().optional(),
});
type Entry = z.output<typeof entrySchema>;

export const listImageFiles = defineTool({
  name: 'docker_list_image_files',
  title: 'List image files',
  description:
    "Files of one platform (merged, or one layer) without pulling: a directory's entries or the paths matching a glob, with sizes and the layer that wrote each.",
  input: {
    image: imageArg(),
    platform: platformArg,
    path: z.string().max(1024).default('/').describe('Directory or glob'),
    layer: z.number().int().min(0).max(1000).optional().describe('Only this layer\'s entries'),
    limit: limitArg(1000, 100),
    cursor: cursorArg,
    max_download_bytes: budgetArg,
  },
  output: {
    image: z.string(),
    digest: z.string(),
    platform: z.string(),
    path: z.string(),
    layer: z.number().nullable(),
    entries: z.array(entrySchema),
    total: z.number().describe('Entries matching, over all pages'),
    page: z.number(),
    next_cursor: nextCursorOutput,
    coverage: coverageSchema,
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  readsLayers: true,
  async handler(args, services, signal, progress) {
    const { offset } = startOf('docker_list_image_files', args);
    const files = await readImageFiles(services, args, signal, progress);
    const layerCount = files.coverage.layer_count;
    if (args.layer !== undefined && args.layer >= layerCount) {
      throw new DockerMcpError('INVALID_INPUT', `argument "layer" must be below ${layerCount}: the image has ${layerCount} layer(s), numbered from 0.`);
    }
    const glob = isGlob(args.path);
    const directory = treePath(args.path);
    const notes: string[] = [];
    let all: Entry[];
    if (args.layer !== undefined) {
      const layer = files.layers.find((candidate) => candidate.index === args.layer);
      const entries = layer?.entries ?? [];
      const matches = glob ? globMatcher(args.path) : (path: string) => directory === '' || path === directory || path.startsWith(`${directory}/`);
      all = entries.filter((entry) => matches(entry.path)).map((entry) => fromLayerEntry(entry, args.layer!));
      if (!layer) notes.push(`Layer ${args.layer} was not read (over the download budget).`);
    } else {
      const root = mergeLayers(files.layers);
      if (glob) {
        const matches = globMatcher(args.path);
        all = [];
        for (const { path, node } of walk(root)) if (matches(path)) all.push(fromNode(path, node));
      } else {
        const node = lookup(root, directory);
        if (!node) throw new DockerMcpError('NOT_FOUND', `${args.path} does not exist in ${files.identity.image} (${files.identity.platform}).`);
        all = node.children
          ? [...node.children.keys()].sort().map((name) => fromNode(directory ? `${directory}/${name}` : name, node.children!.get(name)!))
          : [fromNode(directory, node)];
      }
    }
    if (!args.platform && files.resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(files.resolved)}.`);
    const page = pageOf('docker_list_image_files', args, all, offset);
    return {
      ...files.identity,
      path: args.path,
      layer: args.layer ?? null,
      entries: page.entries,
      total: all.length,
      page: page.page,
      next_cursor: page.next_cursor,
      coverage: files.coverage,
      notes,
    };
  },
  summarize(result) {
    const where = result.layer === null ? 'merged filesystem' : `layer ${result.layer}`;
    const lines = [
      `${result.image} (${result.platform}, ${shortDigest(result.digest)}…), ${where}, ${result.path}: ${result.total} entr${result.total === 1 ? 'y' : 'ies'}` +
        `${result.page > 1 || result.next_cursor ? `, page ${result.page}` : ''}${nextPagePhrase(result.next_cursor)}.`,
    ];
    for (const entry of result.entries) {
      const size = entry.type === 'dir' ? `${formatBytes(entry.size)} in ${entry.files} files` : formatBytes(entry.size);
      const link = entry.link ? ` -> ${entry.link}` : '';
      lines.push(`- ${entry.path}${entry.type === 'dir' ? '/' : ''}${link} ${entry.type} ${size}, layer ${entry.layer}`);
    }
    lines.push(coveragePhrase(result.coverage), ...result.notes);
    return lines.join('\n');
  },
  example: { image: 'demo:latest', path: '/bin', limit: 20 },
});

function fromNode(path: string, node: FileNode): Entry {
  const entry = node.entry;
  const sums = totals(node);
  return {
    path,
    type: node.type,
    size: sums.size,
    ...(node.children ? { files: sums.files } : {}),
    layer: node.layer,
    mode: octal(entry?.mode ?? 0o755),
    uid: entry?.uid ?? 0,
    gid: entry?.gid ?? 0,
    ...(entry?.link ? { link: entry.link } : {}),
  };
}

function fromLayerEntry(entry: LayerEntry, layer: number): Entry {
  return {
    path: entry.path,
    type: entry.type,
    size: entry.size,
    layer,
    mode: octal(entry.mode),
    uid: entry.uid,
    gid: entry.gid,
    ...(entry.link ? { link: entry.link } : {}),
  };
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
