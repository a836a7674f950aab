/** One line of the benchmark table. `pass` is undefined where a figure has no target (reported only). */
export interface Row {
  figure: string;
  value: string;
  target: string;
  pass?: boolean;
}

export function verdict(row: Row): string {
  return row.pass === undefined ? '—' : row.pass ? 'pass' : 'FAIL';
}

export function markdownTable(rows: Row[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| figure | value | target | result |', '|---|---|---|---|'];
  for (const row of rows) lines.push(`| ${escape(row.figure)} | ${escape(row.value)} | ${escape(row.target)} | ${verdict(row)} |`);
  return lines.join('\n');
}

/** Fixed-width columns for the terminal. */
export function plainTable(rows: Row[]): string {
  const cells = [['figure', 'value', 'target', 'result'], ...rows.map((row) => [row.figure, row.value, row.target, verdict(row)])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...cells.map((line) => line[column].length)));
  return cells.map((line) => line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? Number.POSITIVE_INFINITY : numerator / denominator;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
