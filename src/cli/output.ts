// What commands print: a readable table by default, JSON with --json. Commands return data and
// this module renders it, so the two forms never disagree.

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Prints `data` as JSON, or the `text` rendering of it. */
export function emit(o: Output, data: unknown, text: string): void {
  o.out(o.json ? JSON.stringify(data, null, 2) : text);
}
