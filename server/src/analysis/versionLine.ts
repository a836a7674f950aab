/**
 * Version tags as image publishers write them: `1.27.1`, `v2.3`, `3.12-slim`, `3.12.8-slim-bookworm`. The numbers
 * compare as semver's core does; the `v` prefix and everything after the first `-` (the variant) must match exactly.
 * One module for the server's tag listing (`newer_than`) and the editor's "newer in line" hint.
 */
export interface VersionTag {
  tag: string;
  prefix: string;
  numbers: number[];
  variant: string;
}

/** Below this many numbers a tag floats (`3.12`, `20`); at it, the last number is the patch a line moves along. */
const FULL_PRECISION = 3;
const VERSION_TAG = /^(v?)(\d{1,9}(?:\.\d{1,9})*)(?:-([A-Za-z0-9][A-Za-z0-9._-]*))?$/;

export function parseVersionTag(tag: string): VersionTag | undefined {
  const match = VERSION_TAG.exec(tag);
  if (!match) return undefined;
  return { tag, prefix: match[1], numbers: match[2].split('.').map(Number), variant: match[3] ?? '' };
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The numbers every tag of the line starts with: all but the patch of a full version, all of a floating one. */
function lineNumbers(version: VersionTag): number[] {
  return version.numbers.length >= FULL_PRECISION ? version.numbers.slice(0, -1) : version.numbers;
}

function sameKind(a: VersionTag, b: VersionTag): boolean {
  return a.prefix === b.prefix && a.variant === b.variant;
}

/**
 * The text Docker Hub's tag `name` filter (a substring match) needs to return every tag of the line, e.g. "1.27."
 * for `1.27.1-alpine`; undefined for a tag that is not a version (`latest`, `bookworm`).
 */
export function versionLineFilter(tag: string): string | undefined {
  const version = parseVersionTag(tag);
  return version ? `${version.prefix}${lineNumbers(version).join('.')}.` : undefined;
}

/** The newest tag among `tags` in the line of `tag`, newer than it; undefined when there is none or `tag` is no version. */
export function newerInLine(tag: string, tags: Iterable<string>): string | undefined {
  const line = versionLine(tag, [...tags].map((name) => ({ name, digest: null })));
  return line?.newer[0];
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
 * The newer releases in a tag's line: same prefix and variant, starting with the line's numbers (major.minor of
 * `1.27.1`, all of a floating `3.12`), written with full precision (three numbers, or the tag's own when it has more). Floating tags such as `3.12-slim` are
 * matched to the release with the same digest, so "newer" means newer than what the tag really is.
 */
export function versionLine(tag: string, tags: Array<{ name: string; digest: string | null }>): VersionLine | undefined {
  const of = parseVersionTag(tag);
  if (!of) return undefined;
  const line = lineNumbers(of);
  const precision = Math.max(FULL_PRECISION, of.numbers.length);
  const releases = tags
    .map((entry) => ({ entry, version: parseVersionTag(entry.name) }))
    .filter((item): item is { entry: { name: string; digest: string | null }; version: VersionTag } => {
      const version = item.version;
      return version !== undefined && sameKind(version, of) && version.numbers.length === precision;
    })
    .sort((a, b) => compareVersions(b.version.numbers, a.version.numbers));
  const prefixOf = (item: { version: VersionTag }) => item.version.numbers.slice(0, line.length);
  const inLine = releases.filter((item) => compareVersions(prefixOf(item), line) === 0);
  const digest = tags.find((entry) => entry.name === tag)?.digest ?? null;
  const sameAs =
    of.numbers.length < precision && digest ? inLine.find((item) => item.entry.digest === digest)?.entry.name ?? null : null;
  const floor = sameAs ? parseVersionTag(sameAs)!.numbers : of.numbers;
  const later = releases.find((item) => compareVersions(prefixOf(item), line) > 0);
  const suffix = of.variant ? `-${of.variant}` : '';
  return {
    of,
    line: `${of.prefix}${line.join('.')}.x${suffix}`,
    same_as: sameAs,
    newer: inLine.filter((item) => compareVersions(item.version.numbers, floor) > 0 && item.entry.name !== tag).map((item) => item.entry.name),
    newest: inLine[0]?.entry.name ?? null,
    newest_later_line: later?.entry.name ?? null,
  };
}
