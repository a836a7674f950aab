/*
 * The table printed at the end of the run: per area and case, how many cases were tried, how many behaved, and the
 * figures measured (attempts, times, request counts, RSS). A row is counted where the check is made, so a failed
 * assertion shows as tried-but-not-passed rather than vanishing.
 */

export interface SummaryRow {
  area: string;
  name: string;
  tried: number;
  passed: number;
  figures: string[];
}

const rows: SummaryRow[] = [];

export function summaryRow(area: string, name: string): SummaryRow {
  let row = rows.find((candidate) => candidate.area === area && candidate.name === name);
  if (!row) {
    row = { area, name, tried: 0, passed: 0, figures: [] };
    rows.push(row);
  }
  return row;
}

/** Counts one case: tried now, passed when `check` returns without throwing. */
export async function tally<T>(row: SummaryRow, check: () => Promise<T> | T): Promise<T> {
  row.tried++;
  const result = await check();
  row.passed++;
  return result;
}

export function figure(row: SummaryRow, text: string): void {
  row.figures.push(text);
}

export function summaryTable(): string {
  if (rows.length === 0) return '';
  const header = ['area', 'case', 'tried', 'passed', 'figures'];
  const body = rows.map((row) => [row.area, row.name, String(row.tried), String(row.passed), row.figures.join('; ')]);
  const widths = header.map((title, column) =>
    Math.min(60, Math.max(title.length, ...body.map((cells) => cells[column].length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const clipped = column < 4 && cell.length > widths[column] ? `${cell.slice(0, widths[column] - 1)}…` : cell;
        return column === 2 || column === 3 ? clipped.padStart(widths[column]) : clipped.padEnd(widths[column]);
      })
      .join('  ')
      .trimEnd();
  const tried = rows.reduce((sum, row) => sum + row.tried, 0);
  const passed = rows.reduce((sum, row) => sum + row.passed, 0);
  return [
    '',
    'Reliability and security suite: summary',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
    line(widths.map((width) => '-'.repeat(width))),
    line(['all', `${rows.length} rows`, String(tried), String(passed), '']),
    '',
  ].join('\n');
}
