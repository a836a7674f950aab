// "Is there a newer version in my line?": for a tag like `1.27.1` or `3.12-slim`, the newest tag of the same variant
// in the same line (`1.27.4`, `3.12.8-slim`). Pure: the tag names come from whoever listed them.

/** A tag read as a version: `v1.27.1-alpine` → prefix "v", numbers [1, 27, 1], suffix "-alpine". */
interface TagVersion {
  prefix: string;
  numbers: number[];
  suffix: string;
}

/** Below this many numbers a tag floats (`3.12`, `20`); at it, the last number is the patch a line moves along. */
const FULL_PRECISION = 3;
const VERSION_TAG = /^(v?)(\d{1,9}(?:\.\d{1,9})*)((?:-[A-Za-z0-9][A-Za-z0-9._-]*)?)$/;

function readVersion(tag: string): TagVersion | undefined {
  const match = VERSION_TAG.exec(tag);
  if (!match) return undefined;
  return { prefix: match[1], numbers: match[2].split('.').map(Number), suffix: match[3] };
}

/** The numbers every tag of the line starts with: all but the patch of a full version, all of a floating one. */
function lineNumbers(version: TagVersion): number[] {
  return version.numbers.length >= FULL_PRECISION ? version.numbers.slice(0, -1) : version.numbers;
}

function compareNumbers(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The text Docker Hub's tag `name` filter (a substring match) needs to return every tag of the line, e.g. "1.27."
 * for `1.27.1-alpine`; undefined for a tag that is not a version (`latest`, `bookworm`).
 */
export function versionLineFilter(tag: string): string | undefined {
  const version = readVersion(tag);
  if (!version) return undefined;
  return `${version.prefix}${lineNumbers(version).join('.')}.`;
}

/**
 * The newest tag among `tags` in the line of `tag`: same prefix and variant suffix, starting with the line's numbers,
 * at full precision (major.minor.patch or more) and greater than `tag`. Undefined when `tag` is not a version or is
 * already the newest of its line.
 */
export function newerInLine(tag: string, tags: Iterable<string>): string | undefined {
  const current = readVersion(tag);
  if (!current) return undefined;
  const line = lineNumbers(current);
  const precision = Math.max(FULL_PRECISION, current.numbers.length);
  let best: { tag: string; numbers: number[] } | undefined;
  for (const candidate of tags) {
    const version = readVersion(candidate);
    if (!version || version.prefix !== current.prefix || version.suffix !== current.suffix) continue;
    if (version.numbers.length !== precision) continue;
    if (line.some((number, index) => version.numbers[index] !== number)) continue;
    if (compareNumbers(version.numbers, current.numbers) <= 0) continue;
    if (!best || compareNumbers(version.numbers, best.numbers) > 0) best = { tag: candidate, numbers: version.numbers };
  }
  return best?.tag;
}
