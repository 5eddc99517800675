// The Sieve script `postern vacation` writes, so an operator can set an away message without
// knowing Sieve: a vacation action (RFC 5230), limited to the days up to --until by a currentdate
// test (RFC 5260), and an include of the script that was active before (RFC 6609) so the user's
// own filters keep running. Always true: the generated script compiles; the previous script's
// name is recorded in it so `--off` can put things back as they were.
export const VACATION_SCRIPT_NAME = 'postern-vacation';
const PREVIOUS = '# previous active script: ';

/** RFC 5228 §2.4.2: inside a quoted string only \ and " need escaping. */
function quoted(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

export interface VacationSettings { subject: string; message: string; days: number; until: string | null; previous: string | null }

export function vacationScript(v: VacationSettings): string {
  const action = `vacation :days ${v.days} :subject ${quoted(v.subject)} ${quoted(v.message)};`;
  const lines = [
    '# Written by "postern vacation"; "postern vacation USER --off" removes it.',
    ...(v.previous ? [`${PREVIOUS}${v.previous}`] : []),
    `require [${['vacation', ...(v.until ? ['date', 'relational'] : []), ...(v.previous ? ['include'] : [])].map(quoted).join(', ')}];`,
    // RFC 5260 §5: currentdate "date" is yyyy-mm-dd, which orders as text.
    ...(v.until ? [`if currentdate :value "le" "date" ${quoted(v.until)} {`, `  ${action}`, '}'] : [action]),
    ...(v.previous ? [`include :personal :optional ${quoted(v.previous)};`] : []),
  ];
  return lines.join('\r\n') + '\r\n';
}

/** The name of the script that was active before the vacation script, read back from it. */
export function previousScriptOf(script: string): string | null {
  const line = script.split(/\r?\n/).find((l) => l.startsWith(PREVIOUS));
  return line ? line.slice(PREVIOUS.length) : null;
}
