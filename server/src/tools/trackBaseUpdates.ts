import { z } from 'zod';
import { matchBaseByLayers } from '../analysis/baseImage';
import { imageIdentity, platformPhrase } from '../analysis/imageIdentity';
import { DockerMcpError } from '../errors';
import { platformString } from '../registry/platform';
import { parseReference, repositoryName, withDigest } from '../registry/reference';
import { labelledBaseReference } from './labelledBase';
import type { ImageReference, ResolvedImage } from '../registry/types';
import type { Services } from '../services';
import { imageArg, platformArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';
import { shortDigest } from '../format';

export const trackBaseUpdates = defineTool({
  name: 'docker_track_base_updates',
  title: 'Track base image updates',
  description:
    'The base an image was built FROM (its labels, or a candidate given as base) and whether it has moved since: digests then and now, shared layers. Use to decide on a rebuild.',
  input: {
    image: imageArg(),
    platform: platformArg,
    base: imageArg('Candidate base to check, instead of the labels').optional(),
  },
  output: {
    image: z.string(),
    digest: z.string().describe('Digest of the platform\'s image manifest'),
    platform: z.string(),
    detected_by: z.enum(['labels', 'layer-prefix', 'none']).describe('How the base was found; none when it was not'),
    base: z.string().nullable().describe('The base (or the candidate checked), as people write it'),
    built_on_digest: z.string().nullable().describe('Digest the base pointed at when the image was built (base.digest label)'),
    current_digest: z.string().nullable().describe('Digest the base reference points at now (the index for a multi-platform base)'),
    current_platform_digest: z.string().nullable().describe('The current base\'s manifest for this platform'),
    moved: z.boolean().nullable().describe('True when the base has changed since the image was built; null when unknown'),
    image_layers: z.number(),
    base_layers: z.number().nullable().describe('Bottom layers of the image that are the base as built on'),
    current_base_layers: z.number().nullable().describe('Layers of the base now'),
    shared_with_current: z.number().nullable().describe('Bottom layers the image shares with the base as it is now'),
    notes: z.array(z.string()),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const resolved = await services.registry.getImage(parseReference(args.image), args.platform, signal);
    const platform = platformString(resolved.platform);
    const imageLayers = resolved.manifest.layers.map((layer) => layer.digest);
    const notes: string[] = [];
    const labelled = await labelledBaseReference(resolved, services, notes);
    if (!args.platform && resolved.platformChoice !== 'only') notes.push(`Platform chosen: ${platformPhrase(resolved)}.`);
    const result = {
      ...imageIdentity(resolved),
      detected_by: 'none' as 'labels' | 'layer-prefix' | 'none',
      base: null as string | null,
      built_on_digest: null as string | null,
      current_digest: null as string | null,
      current_platform_digest: null as string | null,
      moved: null as boolean | null,
      image_layers: imageLayers.length,
      base_layers: null as number | null,
      current_base_layers: null as number | null,
      shared_with_current: null as number | null,
      notes,
    };

    let candidate: ImageReference;
    if (args.base) {
      candidate = parseReference(args.base, 'base');
    } else if (labelled?.reference) {
      candidate = labelled.reference;
    } else {
      if (labelled?.digest && labelled.name === undefined) notes.push(`The image records its base's digest (${labelled.digest}) but not its name.`);
      else if (labelled === undefined) notes.push('The image has no org.opencontainers.image.base.* labels.');
      notes.push('Pass base (a candidate such as debian:bookworm-slim) to check it by layer prefix.');
      return result;
    }
    result.base = candidate.familiar;
    // The digest label speaks for the candidate only when both name the same repository.
    const labelsNameCandidate = labelled?.reference !== undefined && sameRepository(labelled.reference, candidate);
    const builtOn = labelsNameCandidate ? labelled?.digest : undefined;
    result.built_on_digest = builtOn ?? null;

    let current: ResolvedImage;
    try {
      current = await services.registry.getImage(candidate, platform, signal);
    } catch (err) {
      // A base the caller named must exist; one the labels name may be gone or private, which is a finding, not a failure.
      if (args.base || !(err instanceof DockerMcpError) || signal.aborted) throw err;
      result.detected_by = 'labels';
      notes.push(`The labelled base ${candidate.familiar} could not be read for ${platform} (${err.toText()}), so whether it moved is unknown.`);
      return result;
    }
    const currentLayers = current.manifest.layers.map((layer) => layer.digest);
    const match = matchBaseByLayers(imageLayers, currentLayers);
    result.current_digest = current.indexDigest ?? current.digest;
    result.current_platform_digest = current.digest;
    result.current_base_layers = currentLayers.length;
    result.shared_with_current = match.sharedLayers;
    if (match.match === 'full') result.base_layers = currentLayers.length;

    result.detected_by = !args.base ? 'labels' : match.match === 'none' && !builtOn ? 'none' : 'layer-prefix';
    if (builtOn) {
      result.moved = builtOn !== current.digest && builtOn !== current.indexDigest;
      if (result.moved) {
        const builtOnLayers = await layersOfBuiltOnBase(services, candidate, builtOn, platform, imageLayers, signal, notes);
        result.base_layers = builtOnLayers ?? result.base_layers;
      }
    } else {
      result.moved = match.match === 'full' ? false : match.match === 'partial' ? true : null;
    }
    notes.push(finding(result.base, result.moved, match, Boolean(builtOn)));
    return result;
  },
  summarize(result) {
    const head = `${result.image} (${result.platform}, ${shortDigest(result.digest)}…)`;
    if (result.base === null) return [`${head}: base image not detected.`, ...result.notes].join('\n');
    const how = result.detected_by === 'labels' ? 'named by its labels' : result.detected_by === 'layer-prefix' ? 'matched by layer prefix' : 'not matched';
    const state = result.moved === null ? 'cannot tell whether it moved' : result.moved ? 'HAS MOVED since the build' : 'has not moved';
    const lines = [`${head}: base ${result.base} (${how}) ${state}.`];
    if (result.built_on_digest) lines.push(`Built on: ${result.built_on_digest}`);
    if (result.current_digest) {
      const forPlatform =
        result.current_platform_digest !== result.current_digest ? ` (${result.platform}: ${result.current_platform_digest})` : '';
      lines.push(`Now: ${result.current_digest}${forPlatform}`);
    }
    if (result.base_layers !== null) lines.push(`The bottom ${result.base_layers} of the image's ${result.image_layers} layers are the base's.`);
    lines.push(...result.notes);
    return lines.join('\n');
  },
  example: { image: 'bitnami/redis:7.2', platform: 'linux/amd64' },
});

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
    const old = await services.registry.getImage(withDigest(candidate, builtOn), platform, signal);
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

function finding(base: string | null, moved: boolean | null, match: ReturnType<typeof matchBaseByLayers>, byDigest: boolean): string {
  const shared = `the image holds ${match.sharedLayers} of its current ${match.candidateLayers} layer(s)`;
  if (byDigest) {
    if (!moved) return `The image was built on the current ${base}: no rebuild is needed for base updates.`;
    if (match.match === 'full') return `${base} has a new digest but the same layers (only its config changed); ${shared}.`;
    return `${base} has moved since the build; ${shared}: rebuild to pick up the new base.`;
  }
  if (match.match === 'full') return `The image's bottom ${match.candidateLayers} layer(s) are exactly ${base}'s current ones: it is built on the current ${base}.`;
  if (match.match === 'partial') {
    return `The image shares only the first ${match.sharedLayers} of ${base}'s ${match.candidateLayers} layers: most likely it was built on an earlier version of ${base}, which has since moved.`;
  }
  return `The image shares no bottom layer with ${base} as it is now: either it is not the base, or the base was rebuilt from scratch; without a recorded base digest this cannot be told.`;
}
