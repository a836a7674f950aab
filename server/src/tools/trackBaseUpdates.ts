import { z } from 'zod';
import { provenanceMaterials } from '../analysis/attestationContent';
import { baseFromProvenance, matchBaseByLayers } from '../analysis/baseImage';
import { digestsPhrase, imageIdentity, platformPhrase } from '../analysis/imageIdentity';
import { DockerMcpError } from '../errors';
import { platformString } from '../registry/platform';
import { parseReference, repositoryName, withDigest } from '../registry/reference';
import { checkedBase, labelledBaseReference } from './labelledBase';
import type { ImageReference, PlatformManifest, ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import { imageArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField } from './schemas';
import { defineTool, READ_ONLY } from './tool';
import { shortDigest } from '../format';

export const trackBaseUpdates = defineTool({
  name: 'docker_track_base_updates',
  title: 'Track base image updates',
  description:
    'Whether the base an image was built FROM (labels, provenance, or base) has moved since: digests then and now, shared layers. Use to decide on a rebuild.',
  input: {
    image: imageArg(),
    platform: platformArg,
    base: imageArg('Candidate base, instead of the labels').optional(),
  },
  output: {
    image: z.string(),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    detected_by: z
      .enum(['labels', 'provenance', 'layer-prefix', 'none'])
      .describe('Where the base came from: labels, provenance materials, a candidate whose layers match; none when no base was found'),
    base: z.string().nullable().describe('The base (or the candidate checked), as people write it'),
    relation: z
      .enum(['base', 'common-ancestor', 'unrelated', 'unknown'])
      .describe('base: its layers are the image\'s first layers (now or as built on); common-ancestor: some first layers shared, then different; unrelated: none shared'),
    built_on_digest: z.string().nullable().describe('Digest the base pointed at when the image was built (base.digest label or provenance)'),
    current_digest: z.string().nullable().describe('Digest the base reference points at now (the index for a multi-platform base)'),
    current_platform_digest: z.string().nullable().describe('The current base\'s manifest for this platform'),
    moved: z.boolean().nullable().describe('True when the base has changed since the image was built; null when unknown or not the base'),
    layer_count: z.number(),
    base_layer_count: z.number().nullable().describe('Bottom layers of the image that are the base as built on'),
    current_base_layer_count: z.number().nullable().describe('Layers of the base now'),
    common_prefix: z.number().nullable().describe('Bottom layers identical in the image and the base as it is now'),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    const resolved = await services.registry.getImage(reference, args.platform, signal);
    const platform = platformString(resolved.platform);
    const imageLayers = resolved.manifest.layers.map((layer) => layer.digest);
    const notes: string[] = [];
    if (!args.platform && resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(resolved)}.`);
    const result = {
      ...imageIdentity(resolved),
      detected_by: 'none' as 'labels' | 'provenance' | 'layer-prefix' | 'none',
      base: null as string | null,
      relation: 'unknown' as 'base' | 'common-ancestor' | 'unrelated' | 'unknown',
      built_on_digest: null as string | null,
      current_digest: null as string | null,
      current_platform_digest: null as string | null,
      moved: null as boolean | null,
      layer_count: imageLayers.length,
      base_layer_count: null as number | null,
      current_base_layer_count: null as number | null,
      common_prefix: null as number | null,
      notes,
    };

    const recorded = await recordedBase(services, resolved, signal, notes);
    let candidate: ImageReference;
    if (args.base) {
      candidate = parseReference(args.base, 'base');
    } else if (recorded) {
      candidate = recorded.reference;
    } else {
      notes.push('Pass base (a candidate such as debian:bookworm-slim) to check it by layer prefix.');
      return result;
    }
    result.base = candidate.familiar;
    // A recorded digest speaks for the candidate only when the record names the same repository.
    const builtOn = recorded && sameRepository(recorded.reference, candidate) ? recorded.digest : undefined;
    result.built_on_digest = builtOn ?? null;

    let current: PlatformManifest;
    try {
      // Whether the base moved is a question about now: its tag is checked by HEAD (free), and its config is not needed.
      current = await services.registry.getPlatformManifest(candidate, platform, signal, { fresh: true });
    } catch (err) {
      // A base the caller named must exist; one the image records may be gone or private, which is a finding, not a failure.
      if (args.base || !(err instanceof DockerMcpError) || signal.aborted) throw err;
      result.detected_by = recorded!.source;
      notes.push(`The recorded base ${candidate.familiar} could not be read for ${platform} (${err.toText()}), so whether it moved is unknown.`);
      return result;
    }
    const currentLayers = current.manifest.layers.map((layer) => layer.digest);
    const match = matchBaseByLayers(imageLayers, currentLayers);
    result.current_digest = current.indexDigest ?? current.digest;
    result.current_platform_digest = current.digest;
    result.current_base_layer_count = currentLayers.length;
    result.common_prefix = match.sharedLayers;

    const movedByDigest = builtOn !== undefined && builtOn !== current.digest && builtOn !== current.indexDigest;
    if (match.match === 'full') {
      result.relation = 'base';
      result.base_layer_count = currentLayers.length;
      result.moved = movedByDigest;
    } else if (movedByDigest) {
      const builtOnLayers = await layersOfBuiltOnBase(services, candidate, builtOn, platform, imageLayers, signal, notes);
      if (builtOnLayers !== undefined) {
        result.relation = 'base';
        result.base_layer_count = builtOnLayers;
        result.moved = true;
      } else {
        result.relation = match.match === 'partial' ? 'common-ancestor' : 'unrelated';
      }
    } else {
      result.relation = match.match === 'partial' ? 'common-ancestor' : 'unrelated';
    }
    if (result.relation === 'base') result.detected_by = args.base ? 'layer-prefix' : recorded!.source;
    notes.push(finding(result.base, result.relation, result.moved, match));
    return result;
  },
  summarize(result) {
    const head = `${result.image} (${result.platform}; ${digestsPhrase(result)})`;
    if (result.base === null) return [`${head}: base image not detected.`, ...result.notes].join('\n');
    const how = { labels: ' (named by its labels)', provenance: ' (named by its provenance)', 'layer-prefix': ' (matched by layer prefix)', none: '' }[
      result.detected_by
    ];
    let state: string;
    if (result.relation === 'common-ancestor') state = `is a common ancestor, not this base: they share ${result.common_prefix} first layer(s)`;
    else if (result.relation === 'unrelated') state = 'is not this base: they share no first layer';
    else state = result.moved === null ? 'cannot tell whether it moved' : result.moved ? 'HAS MOVED since the build' : 'has not moved';
    const lines = [`${head}: ${result.base}${how} ${state}.`];
    if (result.built_on_digest) lines.push(`Built on: ${result.built_on_digest}`);
    if (result.current_digest) {
      const forPlatform =
        result.current_platform_digest !== result.current_digest ? ` (${result.platform}: ${result.current_platform_digest})` : '';
      lines.push(`Now: ${result.current_digest}${forPlatform}`);
    }
    if (result.base_layer_count !== null) lines.push(`The bottom ${result.base_layer_count} of the image's ${result.layer_count} layers are the base's.`);
    lines.push(...result.notes);
    return lines.join('\n');
  },
  example: { image: 'svc:1' },
});

interface RecordedBase {
  reference: ImageReference;
  digest?: string;
  source: 'labels' | 'provenance';
}

/**
 * The base the image records: its OCI base labels, else the FROM image among its provenance materials (the
 * attestation of this platform in the image's index). Notes say why none was found.
 */
async function recordedBase(
  services: Services,
  resolved: ResolvedImage,
  signal: AbortSignal,
  notes: string[],
): Promise<RecordedBase | undefined> {
  const labelled = await labelledBaseReference(resolved, services, notes);
  if (labelled?.reference) return { reference: labelled.reference, ...(labelled.digest ? { digest: labelled.digest } : {}), source: 'labels' };
  if (labelled?.digest && labelled.name === undefined) notes.push(`The image records its base's digest (${labelled.digest}) but not its name.`);
  else if (labelled === undefined) notes.push('The image has no org.opencontainers.image.base.* labels.');
  if (!resolved.indexDigest) {
    notes.push('It is not in an index, so it has no provenance attestation to name its base.');
    return undefined;
  }
  const report = await services.registry.getAttestations(
    withDigest(resolved.reference, resolved.indexDigest),
    platformString(resolved.platform),
    signal,
  );
  const provenance = report.statements.find((statement) => statement.kind === 'provenance');
  if (!provenance) {
    notes.push('Its index has no provenance attestation for this platform.');
    return undefined;
  }
  const predicate = await services.registry.getStatementPredicate(resolved.reference, provenance, signal);
  const fromProvenance = baseFromProvenance(provenanceMaterials(predicate));
  if (!fromProvenance) {
    notes.push('Its provenance records no base image among its build materials.');
    return undefined;
  }
  const checked = await checkedBase(fromProvenance, { name: 'provenance material', digest: 'provenance material digest' }, resolved, services, notes);
  if (!checked.reference) return undefined;
  return { reference: checked.reference, ...(checked.digest ? { digest: checked.digest } : {}), source: 'provenance' };
}

function sameRepository(a: ImageReference, b: ImageReference): boolean {
  return repositoryName(a) === repositoryName(b);
}

/** Layers of the base as the image was built on it, when that version is still in the registry. */
async function layersOfBuiltOnBase(
  services: Services,
  candidate: ImageReference,
  builtOn: string,
  platform: string,
  imageLayers: string[],
  signal: AbortSignal,
  notes: string[],
): Promise<number | undefined> {
  try {
    const old = await services.registry.getPlatformManifest(withDigest(candidate, builtOn), platform, signal);
    const match = matchBaseByLayers(
      imageLayers,
      old.manifest.layers.map((layer) => layer.digest),
    );
    if (match.match === 'full') return match.candidateLayers;
    notes.push(`The base as built on (${shortDigest(builtOn)}…) is not the bottom of the image's layers.`);
  } catch (err) {
    if (!(err instanceof DockerMcpError) || signal.aborted) throw err;
    notes.push(`The base as built on (${shortDigest(builtOn)}…) could not be read (${err.code}), so its layer count is unknown.`);
  }
  return undefined;
}

function finding(
  base: string | null,
  relation: 'base' | 'common-ancestor' | 'unrelated' | 'unknown',
  moved: boolean | null,
  match: ReturnType<typeof matchBaseByLayers>,
): string {
  const shared = `the image holds ${match.sharedLayers} of its current ${match.candidateLayers} layer(s)`;
  if (relation === 'common-ancestor') {
    return `The image and ${base} share their first ${match.sharedLayers} layer(s) and then differ: ${base} is a common ancestor, not this image's base; whether the base moved cannot be told from it.`;
  }
  if (relation === 'unrelated') {
    return `The image shares no first layer with ${base} as it is now: either it is not the base, or the base was rebuilt from scratch; without a recorded base digest this cannot be told.`;
  }
  if (!moved) return `The image's bottom ${match.candidateLayers} layer(s) are exactly ${base}'s current ones: it is built on the current ${base}, no rebuild is needed for base updates.`;
  if (match.match === 'full') return `${base} has a new digest but the same layers (only its config changed); ${shared}.`;
  return `${base} has moved since the build; ${shared}: rebuild to pick up the new base.`;
}
