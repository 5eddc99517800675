// URLFETCH (RFC 4467 §6.3) and its extended form (RFC 5524 §3): for each URL the data it names, or
// NIL for a URL that fails in any way (src/imap/session/urlauth.ts decides, and never says why),
// all in one untagged URLFETCH response. The data comes from the same code as FETCH's
// (src/imap/session/message-bytes.ts): BODY is the section as stored (the plain form's data),
// BINARY the section-part with its transfer encoding undone, BODYPARTSTRUCTURE the part's body
// structure; in the extended reply BODYPARTSTRUCTURE comes first, then BINARY or BODY, in one
// parenthesized list, as the imaptest tool kit's urlauth-binary group expects. Always true:
// nothing of the response is written before the first URL has been resolved, so a failure there
// is a tagged NO; a failure after the response has started closes the connection (it cannot be
// finished honestly).
import { command, AUTHENTICATED } from './command.ts';
import { ImapUserError, ok } from '../session/completion.ts';
import { parseUrlFetchArguments, type UrlFetchParams } from '../protocol/urlauth-arguments.ts';
import { imapString, literalPrefix, needsLiteral8 } from '../protocol/response-writer.ts';
import type { Section } from '../protocol/fetch-attributes.ts';
import { literalSize, MessageBytes, writeOut, type Literal, type Partial } from '../session/message-bytes.ts';
import { authorize, type AuthorizedMessage } from '../session/urlauth.ts';
import type { ImapSession } from '../session/session.ts';

const WHOLE: Section = { part: [], spec: 'ALL', fields: [] };

type Piece = string | Literal;

function literal(data: Literal | null, binary: boolean): Piece[] {
  if (data === null) return ['NIL'];
  return [literalPrefix(literalSize(data), binary && Buffer.isBuffer(data) && needsLiteral8(data)), data];
}

/** The reply pieces for one authorized URL, or null when it names nothing to serve (NIL). */
async function serve(s: ImapSession, hit: AuthorizedMessage, params: UrlFetchParams | null): Promise<Piece[] | null> {
  const bytes = new MessageBytes(s, hit.row);
  const section = hit.url.section ?? WHOLE;
  const p = hit.url.partial;
  const partial: Partial = p && { start: p.start, length: p.length ?? Number.MAX_SAFE_INTEGER };
  if (!params) {
    const data = await bytes.section(section, partial);
    return data && literal(data, false);
  }
  // RFC 5524 §3.1: BINARY and BODYPARTSTRUCTURE are of a body part, not of a header or text section.
  if ((params.binary || params.bodyPartStructure) && section.spec !== 'ALL') return null;
  const out: Piece[] = ['('];
  if (params.bodyPartStructure) {
    const structure = await bytes.structure(section, params.binary);
    if (structure === null) return null;
    out.push(`BODYPARTSTRUCTURE ${structure}`);
  }
  if (params.binary || params.body) {
    let data: Literal | null;
    try {
      data = params.binary ? await bytes.binary(section, partial) : await bytes.section(section, partial);
      if (data === null) return null;
    } catch (err) {
      // RFC 5524 §3.2: a part that cannot be decoded is served as BINARY NIL.
      if (!(err instanceof ImapUserError)) throw err;
      data = null;
    }
    out.push(out.length > 1 ? ' ' : '', params.binary ? 'BINARY ' : 'BODY ', ...literal(data, params.binary));
  }
  out.push(')');
  return out;
}

export const urlfetch = command({
  states: AUTHENTICATED,
  parse(r) {
    const a = parseUrlFetchArguments(r);
    r.end();
    return a;
  },
  async run(s, a) {
    let started = false;
    for (const req of a) {
      let pieces: Piece[];
      try {
        const hit = await authorize(s, req.url);
        pieces = (hit && (await serve(s, hit, req.params))) ?? ['NIL'];
      } catch (err) {
        if (!started) throw err;
        s.services.log.error({ err }, 'IMAP URLFETCH failed mid-response; closing the connection');
        s.close();
        return ok('URLFETCH aborted');
      }
      const head = `${started ? '' : '* URLFETCH'} ${imapString(req.url, s.utf8)} `;
      started = true;
      if (!(await writeOut(s, [head, ...pieces]))) return ok('URLFETCH aborted');
    }
    if (!(await writeOut(s, ['\r\n']))) return ok('URLFETCH aborted');
    return ok('URLFETCH completed');
  },
});
