import { bound } from '../untrusted';

/**
 * The most one answer may cost a model's context, whatever the upstream sent: a 20k-entry index or a 7 MB config
 * is cut here, saying what was left out, rather than sent whole.
 */
export const TEXT_MAX_CHARS = 24_000;
export const STRUCTURED_MAX_BYTES = 64 * 1024;
/** An object with more keys than any tool's own result shape is a record from upstream (labels, annotations). */
const RECORD_MIN_KEYS = 64;

/** The text summary within TEXT_MAX_CHARS: whole lines kept, an open fence closed, and a note of what was left out. */
export function boundText(text: string, max = TEXT_MAX_CHARS): string {
  if (text.length <= max) return text;
  const budget = max - 200;
  const kept: string[] = [];
  let used = 0;
  let openFence: string | undefined;
  const lines = text.split('\n');
  for (const line of lines) {
    if (used + line.length + 1 > budget) {
      if (kept.length === 0) kept.push(bound(line, budget));
      break;
    }
    kept.push(line);
    used += line.length + 1;
    const marker = /^(`{3,})/.exec(line)?.[1];
    if (marker && openFence === undefined) openFence = marker;
    else if (openFence !== undefined && line.trim() === openFence) openFence = undefined;
  }
  if (openFence !== undefined) kept.push(openFence);
  const shownChars = kept.join('\n').length;
  const restLines = lines.length - kept.length;
  kept.push(
    `[Answer cut: ${text.length - shownChars} more characters` +
      `${restLines > 0 ? ` (${restLines} more line${restLines === 1 ? '' : 's'})` : ''} not shown. ` +
      'Ask for less (a platform, a page, a smaller limit) to see the rest.]',
  );
  return kept.join('\n');
}

interface Container {
  path: string;
  /** Serialized size in bytes. */
  size: number;
  count: number;
  cut(keep: number): void;
  itemSizes(): number[];
}

/**
 * The structured result within STRUCTURED_MAX_BYTES: the largest lists (and upstream records) are cut, largest
 * first, until it fits; what was cut is listed in `answer_cut` ("platforms: 480 of 20000 shown"), a field every
 * answer may carry beside its tool's own.
 */
export function boundStructured(
  structured: Record<string, unknown>,
  max = STRUCTURED_MAX_BYTES,
): { structured: Record<string, unknown>; truncated: string[] } {
  const truncated: string[] = [];
  let size = byteSize(structured);
  for (let round = 0; size > max && round < 32; round++) {
    const largest = containersOf(structured, '')
      .filter((container) => container.count > 0)
      .sort((a, b) => b.size - a.size)[0];
    if (!largest) break;
    const room = largest.size - (size - max) - 256;
    let keep = 0;
    let kept = 2;
    for (const itemSize of largest.itemSizes()) {
      if (kept + itemSize + 1 > room) break;
      kept += itemSize + 1;
      keep++;
    }
    const total = largest.count;
    largest.cut(keep);
    const earlier = truncated.findIndex((line) => line.startsWith(`${largest.path}: `));
    const note = `${largest.path}: ${keep} of ${total} shown`;
    if (earlier >= 0) truncated[earlier] = `${largest.path}: ${keep} of ${/of (\d+) shown$/.exec(truncated[earlier])![1]} shown`;
    else truncated.push(note);
    size = byteSize(structured);
  }
  if (truncated.length > 0) structured.answer_cut = truncated;
  return { structured, truncated };
}

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function containersOf(value: unknown, path: string): Container[] {
  const found: Container[] = [];
  if (Array.isArray(value)) {
    const array = value;
    found.push({
      path: path || '(result)',
      size: byteSize(array),
      count: array.length,
      cut: (keep) => void array.splice(keep),
      itemSizes: () => array.map(byteSize),
    });
    array.forEach((item, i) => found.push(...containersOf(item, `${path}[${i}]`)));
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length >= RECORD_MIN_KEYS) {
      found.push({
        path: path || '(result)',
        size: byteSize(record),
        count: keys.length,
        cut: (keep) => keys.slice(keep).forEach((key) => delete record[key]),
        itemSizes: () => keys.map((key) => byteSize(key) + byteSize(record[key]) + 1),
      });
    }
    for (const key of keys) found.push(...containersOf(record[key], path ? `${path}.${key}` : key));
  }
  return found;
}
