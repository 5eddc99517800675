// Parses one POP3 command line (without its CRLF) into a keyword and arguments.
// Always true: the keyword comes out upper-cased (RFC 1939 §3: keywords are case-insensitive);
// arguments keep their case, except PASS whose one argument is the rest of the line, spaces
// included, because passwords may contain spaces (RFC 1939 §7 notes servers may allow this).

export interface Pop3Command {
  keyword: string;
  args: string[];
}

export type ParsedCommand = { ok: true; command: Pop3Command } | { ok: false; reason: string };

// RFC 1939 §3 keywords are three or four letters; longer words are still words, so they get
// "unknown command" from the state machine rather than "malformed".
const KEYWORD = /^[A-Za-z]{1,20}$/;

export function parseCommand(line: string): ParsedCommand {
  if (line.length === 0) return { ok: false, reason: 'Empty command' };
  const space = line.indexOf(' ');
  const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
  if (!KEYWORD.test(keyword)) return { ok: false, reason: 'Malformed command' };
  const rest = space === -1 ? '' : line.slice(space + 1);
  if (keyword === 'PASS') return { ok: true, command: { keyword, args: rest === '' ? [] : [rest] } };
  const args = rest.split(' ').filter((a) => a !== '');
  return { ok: true, command: { keyword, args } };
}

/** A message number argument: RFC 1939 §3 numbers are decimal, from 1. Returns null if malformed. */
export function parseMessageNumber(arg: string | undefined): number | null {
  if (arg === undefined || !/^[0-9]{1,9}$/.test(arg)) return null;
  const n = Number(arg);
  return n >= 1 ? n : null;
}

/** TOP's line count: a non-negative decimal (RFC 1939 §7: "n must be provided and non-negative"). */
export function parseLineCount(arg: string | undefined): number | null {
  if (arg === undefined || !/^[0-9]{1,9}$/.test(arg)) return null;
  return Number(arg);
}
