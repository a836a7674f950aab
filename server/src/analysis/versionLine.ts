/**
 * Version tags as image publishers write them: `1.27.1`, `v2.3`, `3.12-slim`, `3.12.8-slim-bookworm`. The numbers
 * compare as semver's core does; everything after the first `-` is the variant, which must match exactly.
 */
export interface VersionTag {
  tag: string;
  numbers: number[];
  variant: string;
}

const VERSION_TAG = /^v?(\d{1,9}(?:\.\d{1,9}){0,2})(?:-([a-z0-9][a-z0-9._-]*))?$/i;

export function parseVersionTag(tag: string): VersionTag | undefined {
  const match = VERSION_TAG.exec(tag);
  if (!match) return undefined;
  return { tag, numbers: match[1].split('.').map(Number), variant: match[2] ?? '' };
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

export interface VersionLine {
  /** The tag asked about, parsed. */
  of: VersionTag;
  /** `1.27.x`, `3.12.x-slim`: how the line is written for people. */
  line: string;
  /** The full release the tag points at, when a tag of full precision has its digest (a floating `3.12-slim`). */
  same_as: string | null;
  /** Releases of the line newer than the tag (or than the release it points at), newest first. */
  newer: string[];
  /** The newest release of the line. */
  newest: string | null;
  /** The newest release of the same variant in any later line (`1.28.0` for `1.27.1`), if one was seen. */
  newest_later_line: string | null;
}

/**
 * The newer releases in a tag's line: same variant, same major.minor (same major for a one-number tag), written with
 * the line's full precision (three numbers, or the tag's own when it has more). Floating tags such as `3.12-slim` are
 * matched to the release with the same digest, so "newer" means newer than what the tag really is.
 */
export function versionLine(tag: string, tags: Array<{ name: string; digest: string | null }>): VersionLine | undefined {
  const of = parseVersionTag(tag);
  if (!of) return undefined;
  const lineDepth = Math.min(of.numbers.length, 2);
  const precision = Math.max(3, of.numbers.length);
  const releases = tags
    .map((entry) => ({ entry, version: parseVersionTag(entry.name) }))
    .filter((item): item is { entry: { name: string; digest: string | null }; version: VersionTag } => {
      const version = item.version;
      return version !== undefined && version.variant === of.variant && version.numbers.length === precision;
    })
    .sort((a, b) => compareVersions(b.version.numbers, a.version.numbers));
  const inLine = releases.filter((item) => compareVersions(item.version.numbers.slice(0, lineDepth), of.numbers.slice(0, lineDepth)) === 0);
  const digest = tags.find((entry) => entry.name === tag)?.digest ?? null;
  const sameAs =
    of.numbers.length < precision && digest ? inLine.find((item) => item.entry.digest === digest)?.entry.name ?? null : null;
  const floor = sameAs ? parseVersionTag(sameAs)!.numbers : of.numbers;
  const later = releases.find((item) => compareVersions(item.version.numbers.slice(0, lineDepth), of.numbers.slice(0, lineDepth)) > 0);
  const suffix = of.variant ? `-${of.variant}` : '';
  return {
    of,
    line: `${of.numbers.slice(0, lineDepth).join('.')}.x${suffix}`,
    same_as: sameAs,
    newer: inLine.filter((item) => compareVersions(item.version.numbers, floor) > 0 && item.entry.name !== tag).map((item) => item.entry.name),
    newest: inLine[0]?.entry.name ?? null,
    newest_later_line: later?.entry.name ?? null,
  };
}
