// Listings paged by cursor (search results, a namespace's repositories, tags). A route keeps the cursors that led to
// the page shown, the first page having none: Next adds the answer's next_cursor, Previous drops the last one, and
// a reload asks for the same page again.
import { button, errorCode, h } from './ui';

/**
 * The page `cursors` lead to. A saved cursor the server no longer takes (it was updated since) starts the listing
 * again at its first page rather than leaving the view on an error.
 */
export async function pageAt<T>(cursors: string[], signal: AbortSignal, call: (cursor: string | undefined) => Promise<T>, startOver: () => void): Promise<T> {
  const cursor = cursors.at(-1);
  try {
    return await call(cursor);
  } catch (error) {
    if (cursor === undefined || signal.aborted || errorCode(error) !== 'INVALID_INPUT') throw error;
    startOver();
    return call(undefined);
  }
}

export interface PagerOptions {
  /** What the pages are, for screen readers: "Tag pages". */
  label: string;
  /** Ends the buttons' names: "of tags" makes "Next page of tags". */
  of?: string;
  cursors: string[];
  /** The answer's page number and next_cursor. */
  page: number;
  nextCursor: string | null;
  goTo: (cursors: string[]) => void;
}

/** Previous, the page number and Next; nothing when the listing fits one page. */
export function pager(options: PagerOptions): HTMLElement | null {
  const { cursors, nextCursor, goTo } = options;
  if (cursors.length === 0 && nextCursor === null) return null;
  const of = options.of ? ` ${options.of}` : '';
  return h(
    'nav',
    { class: 'pager', 'aria-label': options.label },
    button({
      label: `Previous page${of}`,
      icon: 'chevron-left',
      iconOnly: true,
      attributes: { disabled: cursors.length === 0 },
      onClick: () => goTo(cursors.slice(0, -1)),
    }),
    h('span', null, `Page ${options.page}`),
    button({
      label: `Next page${of}`,
      icon: 'chevron-right',
      iconOnly: true,
      attributes: { disabled: nextCursor === null },
      onClick: () => {
        if (nextCursor !== null) goTo([...cursors, nextCursor]);
      },
    }),
  );
}
