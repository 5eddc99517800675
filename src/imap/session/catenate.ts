// Building a CATENATE message (RFC 4469 §5): its TEXT parts as sent and its URL parts resolved
// against the user's own mailboxes through the store's read methods (mailbox by name, one message
// row with its stored MIME tree, a byte range of its content).
// A URLAUTH-authorized URL (RFC 4467) is resolved as URLFETCH resolves it (src/imap/session/
// urlauth.ts), so a message may include a part another user shared.
// Always true: a URL that does not name an existing message (or section) of this user, in a
// mailbox whose UIDVALIDITY matches when the URL gives one, or an authorized URL URLFETCH would
// answer NIL, fails the whole APPEND with NO [BADURL url] (§6); sizes are checked against the
// budget before any URL's bytes are read, so one command never assembles more than `budget` bytes
// whatever its URLs point at.
import { badUrlText, parseImapUrl, type MessageUrl } from '../protocol/imap-url.ts';
import type { CatenatePart } from '../protocol/append-arguments.ts';
import { ImapUserError } from './completion.ts';
import { decodeTree, filterHeaderFields, sectionRange } from '../../mime/index.ts';
import type { ImapSession } from './session.ts';
import type { MessageRow } from '../../store/messages.ts';
import { authorize, urlOwner } from './urlauth.ts';

/** What one APPEND command may still assemble; shared by the messages of a MULTIAPPEND. */
export interface CatenateBudget {
  bytes: number;
}

function badUrl(url: string): ImapUserError {
  return new ImapUserError('The URL does not name a message of yours', `BADURL ${badUrlText(url)}`);
}

function tooBig(): ImapUserError {
  return new ImapUserError('Message too large', 'TOOBIG');
}

/** RFC 4469 §5: an absolute URL must name this server and, when it names a user, the one logged
 *  in (in either form urlOwner reads); a relative one is of the user's own mailboxes. */
async function ours(s: ImapSession, u: MessageUrl): Promise<boolean> {
  if (u.host === null) return true;
  if (u.user === null) return u.host === s.services.settings.hostname.toLowerCase();
  return (await urlOwner(s, u.host, u.user)) === s.account!.address.toLowerCase();
}

/** The message row a URL names, or null. */
async function messageOf(s: ImapSession, url: string): Promise<{ u: MessageUrl; row: MessageRow } | null> {
  const u = parseImapUrl(url);
  if (!u) return null;
  if (u.auth) {
    const hit = await authorize(s, url);
    return hit && { u: hit.url, row: hit.row };
  }
  if (!(await ours(s, u))) return null;
  const { mailboxes, messages } = s.services;
  const box = await mailboxes.byName(s.account!.id, u.mailbox);
  if (!box || (u.uidValidity !== null && u.uidValidity !== box.uidValidity)) return null;
  const [row] = await messages.fetchPage(box.id, u.uid, u.uid, 1, { mimeTree: u.section !== null });
  return row && row.uid === u.uid ? { u, row } : null;
}

async function resolveUrl(s: ImapSession, url: string, budget: CatenateBudget): Promise<Buffer> {
  const found = await messageOf(s, url);
  if (!found) throw badUrl(url);
  const { u, row } = found;
  const { messages } = s.services;
  let start = 0;
  let end = row.size;
  const section = u.section;
  const filtered = section !== null && (section.spec === 'HEADER.FIELDS' || section.spec === 'HEADER.FIELDS.NOT');
  if (section !== null && (section.part.length > 0 || section.spec !== 'ALL')) {
    const r = sectionRange(decodeTree(row.mimeTree!), section.part, filtered ? 'HEADER' : section.spec);
    if (!r) throw badUrl(url);
    ({ start, end } = r);
  }
  // RFC 5092 §3 ipartial: octets from start, at most length of them (to the end without a length).
  const clip = (from: number, to: number): [number, number] => {
    if (!u.partial) return [from, to];
    const a = Math.min(to, from + u.partial.start);
    return [a, u.partial.length === null ? to : Math.min(to, a + u.partial.length)];
  };
  if (!filtered) [start, end] = clip(start, end);
  if (end - start > budget.bytes) throw tooBig();
  let bytes = await messages.readRange(row.contentId, start, end);
  if (filtered) {
    bytes = filterHeaderFields(bytes, section.fields, section.spec === 'HEADER.FIELDS.NOT');
    bytes = bytes.subarray(...clip(0, bytes.length));
  }
  return bytes;
}

/** The message a CATENATE list makes, its bytes counted against the command's budget. */
export async function catenateMessage(s: ImapSession, parts: readonly CatenatePart[], budget: CatenateBudget): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const bytes = part.kind === 'text' ? part.bytes : await resolveUrl(s, part.url, budget);
    if (bytes.length > budget.bytes) throw tooBig();
    budget.bytes -= bytes.length;
    pieces.push(bytes);
  }
  return Buffer.concat(pieces);
}
