// How summaries and messages write sizes, counts, dates and digests, so every tool writes them alike.

/** Cuts text to `max` characters and says whether it did, with the original length. */
export function cutText(text: string | null | undefined, max: number): { text: string; truncated: boolean; length: number } {
  const full = text ?? '';
  if (full.length <= max) return { text: full, truncated: false, length: full.length };
  return { text: full.slice(0, max), truncated: true, length: full.length };
}

/** 12981954060 → "13.0B": counts people read at a glance. */
export function compactCount(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '?';
  if (typeof value === 'string') return value;
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) if (value >= size) return `${(value / size).toFixed(1)}${suffix}`;
  return String(value);
}

/** 755930694 → "720.9 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The date part of an ISO time, or "?" */
export function day(time: string | null | undefined): string {
  return time ? time.slice(0, 10) : '?';
}

/** sha256:0123456789ab: enough of a digest for people to tell images apart. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const TIME_STEPS: Array<[number, Intl.RelativeTimeFormatUnit]> = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [30, 'day'],
  [12, 'month'],
  [Infinity, 'year'],
];

/** "3 days ago" for a time in milliseconds, seen at `now`. */
export function timeAgo(time: number, now: number): string {
  let value = (time - now) / 1000;
  let unit: Intl.RelativeTimeFormatUnit = 'second';
  for (const [size, name] of TIME_STEPS) {
    unit = name;
    if (Math.abs(value) < size) break;
    value /= size;
  }
  return RELATIVE.format(Math.round(value), unit);
}
