import { z } from 'zod';
import { sbomPackages, type SbomPackage } from '../analysis/attestationContent';
import { packageChanges, vulnerabilityChanges } from '../analysis/changes';
import { compareImages as compare, type UniqueLayer } from '../analysis/compare';
import { DockerMcpError } from '../errors';
import { digestsPhrase, imageIdentity, oneLineInstruction, platformPhrase } from '../analysis/imageIdentity';
import { formatBytes } from '../format';
import { platformString } from '../registry/platform';
import { DEFAULT_REGISTRY, parseReference } from '../registry/reference';
import type { ImageReference, ResolvedImage } from '../registry/types';
import type { ScoutFinding } from '../scout/client';
import type { Services } from '../services';
import { diffTrees, lookup, mergeLayers, totals, type FileNode } from '../analysis/files';
import { budgetArg, coverageOf, coveragePhrase, coverageSchema, indexedLayers, throttled } from './layerFiles';
import { compressedSizeOutput, imageArg, layersPhrase, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField, tagAgeNote } from './schemas';
import { defineTool, READ_ONLY, type ProgressReporter } from './tool';

/** Unique layers and config differences are listed up to these counts; counts and sizes always cover all. */
const LAYERS_LISTED = 25;
const DIFFERENCES_LISTED = 100;
const INSTRUCTION_MAX = 200;
const FILE_CHANGES_LISTED = 100;
const DIRECTORIES_LISTED = 20;
const PACKAGES_LISTED = 50;
const VULNERABILITIES_LISTED = 25;
/** In the text answer; structuredContent lists up to the counts above. */
const CHANGES_IN_TEXT = 15;

const packageVersion = z.object({ name: z.string(), type: z.string().nullable(), version: z.string().nullable() });
const packageDifferences = z.object({
  package_count_a: z.number(),
  package_count_b: z.number(),
  added: z.array(packageVersion),
  removed: z.array(packageVersion),
  changed: z.array(z.object({ name: z.string(), type: z.string().nullable(), version_a: z.string().nullable(), version_b: z.string().nullable() })),
  added_count: z.number(),
  removed_count: z.number(),
  changed_count: z.number(),
  unchanged_count: z.number(),
});

const finding = z.object({
  id: z.string(),
  severity: z.string(),
  package: z.string(),
  version: z.string().describe('Installed version'),
  fixed_version: z.string().nullable(),
});
const vulnerabilityDifferences = z.object({
  fixed: z.array(finding).describe('In a, not in b'),
  introduced: z.array(finding).describe('In b, not in a'),
  fixed_count: z.number(),
  introduced_count: z.number(),
  unchanged_count: z.number(),
});

const fileDifferences = z.object({
  total: z.number(),
  added_bytes: z.number(),
  removed_bytes: z.number(),
  changes: z
    .array(z.object({ path: z.string(), change: z.enum(['added', 'changed', 'deleted']), type: z.string(), size_a: z.number(), size_b: z.number() }))
    .describe(`Up to ${FILE_CHANGES_LISTED}, largest first`),
  directories: z.array(z.object({ path: z.string(), changes: z.number(), size_delta: z.number() })).describe('Two levels deep, largest first'),
  coverage_a: coverageSchema,
  coverage_b: coverageSchema,
});

const side = z.object({
  image: z.string(),
  digest: readDigestOutput,
  pin_digest: pinDigestOutput,
  platform: z.string(),
  resolved_at: resolvedAtField,
  layer_count: z.number(),
  compressed_size: compressedSizeOutput,
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
    'What changed between two images (one platform): shared/unique layers, base depth, sizes (b − a), config; optional files, packages, CVEs.',
  input: {
    image_a: imageArg('Before'),
    image_b: imageArg('After'),
    platform: platformArg.describe('For both'),
    files: z.boolean().default(false).describe('Also files (downloads)'),
    packages: z.boolean().default(false).describe('Also package and CVE changes'),
    max_download_bytes: budgetArg,
  },
  output: {
    a: side,
    b: side,
    identical: z.boolean().describe('Both references are the very same image manifest'),
    shared_layers: z.object({ count: z.number(), size: z.number() }).describe('Distinct layers in both, and their compressed bytes'),
    common_prefix: z.number().describe('Bottom layers identical in both, position by position'),
    only_in_a: uniqueLayers,
    only_in_b: uniqueLayers,
    compressed_size_delta: z.number().describe('b − a'),
    config_differences: z
      .array(
        z.object({
          field: z.string().describe('os, architecture, variant, user, workdir, entrypoint, cmd, exposed_ports, volumes, env or labels'),
          key: z.string().nullable().describe('Variable or label name, for env and labels'),
          a: z.string().nullable().describe('Value in a; null when not set. Lists are JSON; ports and volumes space-separated'),
          b: z.string().nullable(),
        }),
      )
      .describe(`Up to ${DIFFERENCES_LISTED} differences`),
    config_differences_total: z.number(),
    files: fileDifferences.nullable().describe('With files: true'),
    packages: packageDifferences.nullable().describe(`With packages: true and an SBOM on both; up to ${PACKAGES_LISTED} per list`),
    vulnerabilities: vulnerabilityDifferences.nullable().describe(`With packages: true, from Docker Scout; up to ${VULNERABILITIES_LISTED} per list`),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  readsLayers: (args) => args.files,
  async handler(args, services, signal, progress) {
    const referenceA = parseReference(args.image_a, 'image_a');
    const referenceB = parseReference(args.image_b, 'image_b');
    const [a, b] = await Promise.all([
      services.registry.getImage(referenceA, args.platform, signal),
      services.registry.getImage(referenceB, args.platform, signal),
    ]);
    // Each gathers its own notes, so their order does not depend on which upstream answers first.
    const packageNotes: string[] = [];
    const vulnerabilityNotes: string[] = [];
    const [packages, vulnerabilities] = await Promise.all([
      args.packages ? comparePackages(services, [referenceA, a], [referenceB, b], packageNotes, signal) : null,
      args.packages ? compareVulnerabilities(services, [referenceA, a], [referenceB, b], vulnerabilityNotes, signal) : null,
    ]);
    const notes: string[] = [...packageNotes, ...vulnerabilityNotes];
    const comparison = compare({ layers: a.manifest.layers, config: a.config }, { layers: b.manifest.layers, config: b.config });
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
      compressed_size_delta: comparison.sizeDelta,
      config_differences: comparison.configDifferences
        .slice(0, DIFFERENCES_LISTED)
        .map((difference) => ({ field: difference.field, key: difference.key ?? null, a: difference.a, b: difference.b })),
      config_differences_total: comparison.configDifferences.length,
      files: args.files ? await compareFiles(services, [referenceA, a], [referenceB, b], args.max_download_bytes, signal, progress) : null,
      packages,
      vulnerabilities,
      notes,
    };
  },
  summarize(result) {
    const { a, b } = result;
    const lines = [`${a.image} (${a.platform}; ${digestsPhrase(a)}) vs ${b.image} (${b.platform}; ${digestsPhrase(b)}).`];
    if (result.identical) lines.push('They are the same image.');
    lines.push(
      `${layersPhrase(a.layer_count, a.compressed_size)} → ${layersPhrase(b.layer_count, b.compressed_size)} (${signedBytes(result.compressed_size_delta)}).`,
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
    if (result.files) {
      const files = result.files;
      lines.push(`Files: ${files.total} path(s) differ; +${formatBytes(files.added_bytes)} added, −${formatBytes(files.removed_bytes)} removed.`);
      lines.push(...files.directories.slice(0, 5).map((d) => `- /${d.path}: ${d.changes} change(s), ${signedBytes(d.size_delta)}`));
      lines.push(`a: ${coveragePhrase(files.coverage_a)}`, `b: ${coveragePhrase(files.coverage_b)}`);
    }
    if (result.packages) lines.push(...packageLines(result.packages));
    if (result.vulnerabilities) lines.push(...vulnerabilityLines(result.vulnerabilities));
    lines.push(...result.notes, ...tagAgeNote(a.image, a.resolved_at), ...tagAgeNote(b.image, b.resolved_at));
    return lines.join('\n');
  },
  example: { image_a: 'web:1.27.1', image_b: 'web:1.27.2', platform: 'linux/amd64', packages: true },
});

function sideOf(image: ResolvedImage, size: number) {
  return { ...imageIdentity(image), layer_count: image.manifest.layers.length, compressed_size: size };
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

/** File-level differences of the two merged trees; b reads what the budget left after a (shared layers are free). */
async function compareFiles(
  services: Services,
  [referenceA, a]: [ImageReference, ResolvedImage],
  [referenceB, b]: [ImageReference, ResolvedImage],
  budget: number | undefined,
  signal: AbortSignal,
  progress: ProgressReporter | undefined,
): Promise<z.input<typeof fileDifferences>> {
  const budgetBytes = budget ?? services.config.maxLayerBytes;
  const readA = await services.layers.readLayers(referenceA, a.manifest.layers, {
    budgetBytes,
    signal,
    onProgress: progress && throttled(progress),
  });
  const readB = await services.layers.readLayers(referenceB, b.manifest.layers, {
    budgetBytes: Math.max(0, budgetBytes - readA.bytesDownloaded),
    signal,
    // Progress must only grow: b's bytes continue a's count.
    onProgress: progress && throttled(progress, readA.bytesDownloaded),
  });
  const treeA = mergeLayers(indexedLayers(readA));
  const treeB = mergeLayers(indexedLayers(readB));
  const changes = diffTrees(treeA, treeB);
  const sizeA = changes.map((change) => (change.change === 'deleted' ? change.size : sizeIn(treeA, change.path)));
  const directories = new Map<string, { changes: number; size_delta: number }>();
  const rows = changes.map((change, index) => {
    const before = change.change === 'added' ? 0 : sizeA[index];
    const after = change.change === 'deleted' ? 0 : change.size;
    const directory = change.path.split('/').slice(0, -1).slice(0, 2).join('/');
    const summary = directories.get(directory) ?? { changes: 0, size_delta: 0 };
    summary.changes++;
    summary.size_delta += after - before;
    directories.set(directory, summary);
    return { path: change.path, change: change.change, type: change.type, size_a: before, size_b: after };
  });
  return {
    total: rows.length,
    added_bytes: rows.reduce((sum, row) => sum + Math.max(0, row.size_b - row.size_a), 0),
    removed_bytes: rows.reduce((sum, row) => sum + Math.max(0, row.size_a - row.size_b), 0),
    changes: [...rows].sort((x, y) => Math.abs(y.size_b - y.size_a) - Math.abs(x.size_b - x.size_a)).slice(0, FILE_CHANGES_LISTED),
    directories: [...directories]
      .map(([path, summary]) => ({ path, ...summary }))
      .sort((x, y) => Math.abs(y.size_delta) - Math.abs(x.size_delta) || y.changes - x.changes)
      .slice(0, DIRECTORIES_LISTED),
    coverage_a: coverageOf(readA),
    coverage_b: coverageOf(readB),
  };
}

function sizeIn(tree: FileNode, path: string): number {
  const node = lookup(tree, path);
  return node ? totals(node).size : 0;
}

type Side = [ImageReference, ResolvedImage];

/** The SBOM packages of one side's platform; a note and undefined when it has none to read. */
async function sbomOf(services: Services, [reference, image]: Side, name: string, signal: AbortSignal): Promise<{ packages?: SbomPackage[]; note?: string }> {
  const report = await services.registry.getAttestations(reference, platformString(image.platform), signal);
  const sbom = report.statements.find((statement) => statement.kind === 'sbom');
  if (!sbom) {
    return {
      note:
        report.kind === 'image'
          ? `Packages not compared: ${name} (${image.reference.familiar}) is a single manifest, and SBOMs are attached to an index; compare the tags instead.`
          : `Packages not compared: ${name} (${image.reference.familiar}) has no SBOM attestation for ${platformString(image.platform)}.`,
    };
  }
  const packages = sbomPackages(await services.registry.getStatementPredicate(reference, sbom, signal));
  return packages ? { packages } : { note: `Packages not compared: the SBOM of ${name} (${image.reference.familiar}) is neither SPDX nor CycloneDX.` };
}

async function comparePackages(services: Services, a: Side, b: Side, notes: string[], signal: AbortSignal): Promise<z.input<typeof packageDifferences> | null> {
  const [sideA, sideB] = await Promise.all([sbomOf(services, a, 'a', signal), sbomOf(services, b, 'b', signal)]);
  for (const side of [sideA, sideB]) if (side.note) notes.push(side.note);
  const before = sideA.packages;
  const after = sideB.packages;
  if (!before || !after) return null;
  const changes = packageChanges(before, after);
  return {
    package_count_a: before.length,
    package_count_b: after.length,
    added: changes.added.slice(0, PACKAGES_LISTED),
    removed: changes.removed.slice(0, PACKAGES_LISTED),
    changed: changes.changed.slice(0, PACKAGES_LISTED).map((c) => ({ name: c.name, type: c.type, version_a: c.versionA, version_b: c.versionB })),
    added_count: changes.added.length,
    removed_count: changes.removed.length,
    changed_count: changes.changed.length,
    unchanged_count: changes.unchanged,
  };
}

/** Scout's findings for both platform manifests; a note instead when Scout cannot be asked (not Docker Hub, no login). */
async function compareVulnerabilities(
  services: Services,
  [referenceA, a]: Side,
  [referenceB, b]: Side,
  notes: string[],
  signal: AbortSignal,
): Promise<z.input<typeof vulnerabilityDifferences> | null> {
  const elsewhere = [referenceA, referenceB].find((reference) => reference.registry !== DEFAULT_REGISTRY);
  if (elsewhere) {
    notes.push(`Vulnerabilities not compared: Docker Scout has data for Docker Hub images only, and ${elsewhere.familiar} is on ${elsewhere.registry}.`);
    return null;
  }
  try {
    services.scout.requireLogin();
    const [before, after] = await Promise.all([
      services.scout.vulnerabilities(a.digest, { image: a.reference.familiar, signal }),
      services.scout.vulnerabilities(b.digest, { image: b.reference.familiar, signal }),
    ]);
    const changes = vulnerabilityChanges(before.findings, after.findings);
    const listed = (findings: ScoutFinding[]) =>
      findings.slice(0, VULNERABILITIES_LISTED).map((f) => ({ id: f.id, severity: f.severity, package: f.package, version: f.installedVersion, fixed_version: f.fixedVersion ?? null }));
    return {
      fixed: listed(changes.fixed),
      introduced: listed(changes.introduced),
      fixed_count: changes.fixed.length,
      introduced_count: changes.introduced.length,
      unchanged_count: changes.unchanged,
    };
  } catch (err) {
    if (!(err instanceof DockerMcpError) || signal.aborted) throw err;
    notes.push(`Vulnerabilities not compared: ${err.message}`);
    return null;
  }
}

function packageLines(packages: z.output<typeof packageDifferences>): string[] {
  const version = (entry: { name: string; version: string | null }) => `${entry.name} ${entry.version ?? '(no version)'}`;
  const lines = [
    `Packages (SBOM): ${packages.package_count_a} → ${packages.package_count_b}; ${packages.added_count} added, ` +
      `${packages.removed_count} removed, ${packages.changed_count} changed, ${packages.unchanged_count} unchanged.`,
  ];
  const section = (label: string, entries: string[], total: number) => {
    if (total === 0) return;
    lines.push(`${label}: ${entries.slice(0, CHANGES_IN_TEXT).join('; ')}${total > Math.min(entries.length, CHANGES_IN_TEXT) ? `; … ${total - Math.min(entries.length, CHANGES_IN_TEXT)} more` : ''}`);
  };
  section('- Changed', packages.changed.map((c) => `${c.name} ${c.version_a ?? '?'} → ${c.version_b ?? '?'}`), packages.changed_count);
  section('- Added', packages.added.map(version), packages.added_count);
  section('- Removed', packages.removed.map(version), packages.removed_count);
  return lines;
}

function vulnerabilityLines(vulnerabilities: z.output<typeof vulnerabilityDifferences>): string[] {
  const lines = [
    `Vulnerabilities (Docker Scout): ${vulnerabilities.fixed_count} fixed, ${vulnerabilities.introduced_count} introduced, ` +
      `${vulnerabilities.unchanged_count} in both.`,
  ];
  const section = (label: string, entries: z.output<typeof finding>[], total: number) => {
    if (total === 0) return;
    const shown = entries.slice(0, CHANGES_IN_TEXT).map((f) => `${f.id} (${f.severity}, ${f.package} ${f.version}${f.fixed_version ? `, fixed in ${f.fixed_version}` : ''})`);
    lines.push(`${label}: ${shown.join('; ')}${total > shown.length ? `; … ${total - shown.length} more` : ''}`);
  };
  section('- Fixed', vulnerabilities.fixed, vulnerabilities.fixed_count);
  section('- Introduced', vulnerabilities.introduced, vulnerabilities.introduced_count);
  return lines;
}
