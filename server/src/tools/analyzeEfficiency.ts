import { z } from 'zod';
import { efficiency } from '../analysis/efficiency';
import { platformPhrase } from '../analysis/imageIdentity';
import { formatBytes, shortDigest } from '../format';
import { budgetArg, coveragePhrase, coverageSchema, readImageFiles } from './layerFiles';
import { imageArg, limitArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const check = z.object({
  rule: z.enum(['lowest_efficiency', 'highest_wasted_bytes']),
  threshold: z.number(),
  value: z.number(),
  pass: z.boolean(),
});

export const analyzeEfficiency = defineTool({
  name: 'docker_analyze_efficiency',
  title: 'Analyze image efficiency',
  description:
    "dive's efficiency score and wasted bytes without pulling: top wasted paths with their layers, what a rebuild could save, a CI verdict.",
  input: {
    image: imageArg(),
    platform: platformArg,
    lowest_efficiency: z.number().min(0).max(1).optional().describe('Fail below (dive: 0.9)'),
    highest_wasted_bytes: z.number().int().min(0).max(2 ** 40).optional().describe('Fail above this'),
    limit: limitArg(100, 10),
    max_download_bytes: budgetArg,
  },
  output: {
    image: z.string(),
    digest: z.string(),
    platform: z.string(),
    efficiency: z.number().describe('Σ smallest copy of each path / Σ all copies (dive)'),
    wasted_bytes: z.number().describe('Every copy of each path found in more than one layer (dive)'),
    removable_bytes: z.number().describe('Layer bytes the final filesystem does not show: what a rebuild saves'),
    layer_file_bytes: z.number(),
    image_file_bytes: z.number(),
    top_wasted: z.array(
      z.object({
        path: z.string(),
        wasted_bytes: z.number(),
        copies: z.array(z.object({ layer: z.number(), size: z.number(), whiteout: z.boolean() })),
      }),
    ),
    verdict: z
      .object({ result: z.enum(['pass', 'fail', 'incomplete']), checks: z.array(check) })
      .nullable()
      .describe('null without thresholds; incomplete when layers were not read'),
    coverage: coverageSchema,
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  readsLayers: true,
  async handler(args, services, signal, progress) {
    const files = await readImageFiles(services, args, signal, progress);
    const measured = efficiency(files.layers);
    const checks: z.output<typeof check>[] = [];
    if (args.lowest_efficiency !== undefined) {
      checks.push({
        rule: 'lowest_efficiency',
        threshold: args.lowest_efficiency,
        value: measured.score,
        pass: measured.score >= args.lowest_efficiency,
      });
    }
    if (args.highest_wasted_bytes !== undefined) {
      checks.push({
        rule: 'highest_wasted_bytes',
        threshold: args.highest_wasted_bytes,
        value: measured.wastedBytes,
        pass: measured.wastedBytes <= args.highest_wasted_bytes,
      });
    }
    const complete = files.coverage.layers_not_read.length === 0;
    const result: 'pass' | 'fail' | 'incomplete' = !complete ? 'incomplete' : checks.every((entry) => entry.pass) ? 'pass' : 'fail';
    const notes: string[] = [];
    if (!args.platform && files.resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(files.resolved)}.`);
    return {
      ...files.identity,
      efficiency: measured.score,
      wasted_bytes: measured.wastedBytes,
      removable_bytes: measured.removableBytes,
      layer_file_bytes: measured.layerFileBytes,
      image_file_bytes: measured.imageFileBytes,
      top_wasted: measured.wasted.slice(0, args.limit).map((path) => ({
        path: path.path,
        wasted_bytes: path.wastedBytes,
        copies: path.copies,
      })),
      verdict: checks.length > 0 ? { result, checks } : null,
      coverage: files.coverage,
      notes,
    };
  },
  summarize(result) {
    const lines = [
      `${result.image} (${result.platform}, ${shortDigest(result.digest)}…): efficiency ${(result.efficiency * 100).toFixed(2)} %, ` +
        `wasted ${formatBytes(result.wasted_bytes)} (dive's measures); a rebuild could save ${formatBytes(result.removable_bytes)} ` +
        `of ${formatBytes(result.layer_file_bytes)} in layers.`,
    ];
    if (result.top_wasted.length > 0) lines.push('Top wasted paths:');
    for (const path of result.top_wasted) {
      const copies = path.copies.map((copy) => `layer ${copy.layer}${copy.whiteout ? ' deletes' : ''} ${formatBytes(copy.size)}`);
      lines.push(`- /${path.path}: ${formatBytes(path.wasted_bytes)} (${copies.join(', ')})`);
    }
    if (result.verdict) {
      const checks = result.verdict.checks.map((entry) => `${entry.rule} ${entry.threshold}: ${entry.pass ? 'pass' : 'FAIL'} (${entry.value})`);
      lines.push(`CI verdict: ${result.verdict.result.toUpperCase()} — ${checks.join('; ')}.`);
    }
    lines.push(coveragePhrase(result.coverage), ...result.notes);
    return lines.join('\n');
  },
  example: { image: 'app:1', lowest_efficiency: 0.9, highest_wasted_bytes: 20_000_000 },
});
