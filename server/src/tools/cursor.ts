import { createHash } from 'node:crypto';
import { z } from 'zod';
import { invalidInput } from '../errors';

/**
 * Paging by opaque cursor, as MCP pages its own lists: an answer with more to show carries `next_cursor`, and the
 * same call with that value as `cursor` gives the next page. A cursor holds where the next page starts and, for a
 * registry's tag list, the last tag read, so the registry continues there instead of being read again from the start.
 * It also holds a fingerprint of the other arguments, so a cursor is never applied to another listing. Nothing is
 * kept on the server: a cursor outlives a restart.
 */

/** Longer than any cursor this server writes (a registry's `last` tag is at most 128 characters). */
const CURSOR_MAX = 512;
/** No listing is paged further than this many entries. */
const OFFSET_MAX = 1_000_000;
const VERSION = 1;

export const cursorArg = z
  .string()
  // Checked here rather than as maxLength, which every paged tool would repeat to the model.
  .refine((value) => value.length <= CURSOR_MAX, `must be at most ${CURSOR_MAX} characters`)
  .optional();

export const nextCursorOutput = z.string().nullable().describe('Pass as cursor for the next page; null: last page');

/** Where a page starts: the entries before it, and for a registry's tag list the last tag before it. */
export interface Position {
  offset: number;
  last?: string;
}

const payload = z.tuple([z.literal(VERSION), z.string(), z.number().int().min(0).max(OFFSET_MAX)]).rest(z.string().max(256));

/** Where the page asked for starts: the start of the listing without a cursor. */
export function startOf(tool: string, args: { cursor?: string } & Record<string, unknown>): Position {
  if (args.cursor === undefined) return { offset: 0 };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(args.cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = payload.safeParse(decoded);
  if (!parsed.success || parsed.data.length > 4) {
    throw invalidInput('cursor', 'is not a cursor this server gave: pass next_cursor from the previous answer unchanged, or leave cursor out for the first page');
  }
  const [, fingerprint, offset, last] = parsed.data;
  if (fingerprint !== fingerprintOf(tool, args)) {
    throw invalidInput(
      'cursor',
      'belongs to another listing: repeat the other arguments of the call that returned it (same filters and limit), or leave cursor out to start again',
    );
  }
  return last === undefined ? { offset } : { offset, last };
}

/** The cursor of the page that starts at `position`, for the same arguments. */
export function cursorAt(tool: string, args: Record<string, unknown>, position: Position): string {
  const fields: (string | number)[] = [VERSION, fingerprintOf(tool, args), Math.min(position.offset, OFFSET_MAX)];
  if (position.last !== undefined) fields.push(position.last);
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/**
 * One page of a list read whole and ordered here: its entries from `offset`, its number and the next page's cursor.
 */
export function pageOf<T>(
  tool: string,
  args: { limit: number } & Record<string, unknown>,
  items: readonly T[],
  offset: number,
): { entries: T[]; page: number; next_cursor: string | null } {
  const end = offset + args.limit;
  return {
    entries: items.slice(offset, end),
    page: pageNumber(offset, args.limit),
    next_cursor: end < items.length ? cursorAt(tool, args, { offset: end }) : null,
  };
}

/** The page number (from 1) of a page starting at `offset`. */
export function pageNumber(offset: number, limit: number): number {
  return Math.floor(offset / limit) + 1;
}

/** 64 bits of the tool and its arguments other than the cursor, defaults applied. */
function fingerprintOf(tool: string, args: Record<string, unknown>): string {
  const rest = Object.keys(args)
    .filter((key) => key !== 'cursor' && args[key] !== undefined)
    .sort()
    .map((key) => [key, args[key]]);
  return createHash('sha256').update(JSON.stringify([tool, rest])).digest('base64url').slice(0, 11);
}

/** `, next page: cursor "…"` in a text answer, or nothing on the last page. */
export function nextPagePhrase(next: string | null): string {
  return next === null ? '' : `; next page: cursor "${next}"`;
}
