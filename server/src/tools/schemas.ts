import { z } from 'zod';
import { formatBytes } from '../format';
import { normalisePlatform } from '../registry/platform';
import { referenceProblem } from '../registry/reference';

/**
 * Argument schemas shared by tools, so every tool names and checks `image`, `platform`, `limit`… the same way. The
 * grammar of references and platforms, and paging, are said once, in the server's instructions: an argument whose
 * name says what it is carries no phrase, another one short phrase.
 */
export const imageArg = (what?: string) => {
  const schema = z
    .string()
    // Checked here rather than as min/max, which every listed tool would repeat to the model.
    .superRefine((value, ctx) => {
      const problem = value.length > IMAGE_MAX ? `must be at most ${IMAGE_MAX} characters long` : referenceProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  return what ? schema.describe(what) : schema;
};

const IMAGE_MAX = 512;

/** A Docker Hub repository; a tag, if given, is ignored. The tool's description says it takes Docker Hub only. */
export const hubRepositoryArg = (what?: string) => imageArg(what);

export const platformArg = z
  .string()
  // The length is checked here rather than as maxLength, which every listed tool would repeat to the model.
  .superRefine((value, ctx) => {
    const problem = value.length > PLATFORM_MAX ? `must be at most ${PLATFORM_MAX} characters long` : normalisePlatform(value) === undefined ? PLATFORM_RULE : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => normalisePlatform(value)!)
  .optional();

const PLATFORM_MAX = 64;

const PLATFORM_RULE =
  'is not a platform Docker understands: write os/arch[/variant] or an architecture, as docker --platform takes it, e.g. linux/amd64, linux/arm64, arm64, linux/arm/v7';

/** Output field of every answer read by tag: how old the tag → digest look-up is. */
export const resolvedAtField = z
  .string()
  .optional()
  .describe('When the tag was looked up (ISO 8601), for a reference by tag: the digest is what the tag pointed at then');

/**
 * The sentence saying when the tag behind an answer was looked up: a cached look-up may be minutes old. Absolute, so
 * the same answer reads the same whenever it is shown.
 */
export function tagAgeNote(image: string, resolvedAt: string | undefined): string[] {
  return resolvedAt ? [`${image}: tag looked up at ${resolvedAt}.`] : [];
}

/** Shared output fields: one meaning per word in every tool (issue 14). */
export const pinDigestOutput = z
  .string()
  .describe('The digest to pin (FROM image@…): the index of a multi-platform tag, else the image manifest itself');
export const readDigestOutput = z
  .string()
  .describe("Digest of the platform's image manifest that was read; for a multi-platform tag NOT the one to pin (see pin_digest)");

/** The image's size, the same measure in every tool: see analysis/layers.ts compressedSize. */
export const compressedSizeOutput = z.number().describe('Distinct layers\' compressed bytes, config apart');
export const configSizeOutput = z.number().describe('Bytes of the config blob, not a layer');

/** `3 layers, 51.0 KiB compressed`: the one wording of compressed_size in every tool's text. */
export function layersPhrase(layerCount: number, compressed: number): string {
  return `${layerCount} layer${layerCount === 1 ? '' : 's'}, ${formatBytes(compressed)} compressed`;
}

export const limitArg = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).default(fallback);

/** A short text argument of 1 to `max` characters, its length checked here rather than repeated to the model. */
export const textArg = (max: number) =>
  z.string().superRefine((value, ctx) => {
    const problem = value.length === 0 ? 'must not be empty' : value.length > max ? `must be at most ${max} characters long` : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const namespaceArg = z
  .string()
  .refine((value) => /^[a-z0-9][a-z0-9_-]{1,254}$/.test(value), 'must be a Docker Hub namespace: lowercase letters, digits, "-" and "_"')
  .describe('User or organisation');

/** A Docker Hub repository name within its namespace, as Hub accepts it; also keeps `..` and `/` out of Hub paths. */
export const repositoryNameArg = z.string().superRefine((value, ctx) => {
  const problem = !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(value)
    ? 'must be lowercase letters and digits, optionally separated by ".", "_" or "-"'
    : value.length < 2
      ? 'must be at least 2 characters long'
      : value.length > 255
        ? 'must be at most 255 characters long'
        : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
