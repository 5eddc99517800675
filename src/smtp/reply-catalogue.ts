// The replies both SMTP listeners give for the same fault, so port 25 and submission cannot answer
// one fault two ways (before: a bare CR was 554 on 25 and 550 on 587, a bad address 501 and 553,
// over quota and too big in different words). Each is {code, enhanced, text}; our own failures are
// mapped in src/smtp/our-failure.ts. Pure. Always true: the enhanced code's class digit is the
// reply's (RFC 3463 §2), so the reply policies send it as is.

export interface CatalogueReply { code: number; enhanced: string; text: string }

const r = (code: number, enhanced: string, text: string): CatalogueReply => ({ code, enhanced, text });

/** RFC 5321 §4.1.2 syntax fails: 501 (syntax error in parameters), RFC 3463 X.1.3 (bad destination syntax). */
export const BAD_RECIPIENT_SYNTAX = r(501, '5.1.3', 'Bad recipient address syntax');
/** RFC 3463 X.1.1: bad destination mailbox address. */
export const UNKNOWN_USER = r(550, '5.1.1', 'No such user here');
/** RFC 3463 X.2.2: mailbox full, temporary so the sender retries once space is freed. */
export const MAILBOX_FULL = r(452, '4.2.2', 'Mailbox full, try again later');
/** RFC 5321 §2.3.8: CR appears only in CRLF; a bare CR has no safe meaning (smuggling). RFC 3463 X.6.0. */
export const BARE_CR = r(554, '5.6.0', 'Message refused: bare CR in content; lines must end with CRLF');

/** RFC 1870 §6 and RFC 3463 X.3.4: message too big for the system. */
export function messageTooBig(limit: number): CatalogueReply {
  return r(552, '5.3.4', `Message exceeds the maximum size of ${limit} bytes`);
}

/** The reply as smtp-server's handlers take it: the enhanced code at the start of the text. */
export function replyText(reply: CatalogueReply): string {
  return `${reply.enhanced} ${reply.text}`;
}

/** As an error for a smtp-server callback. */
export function replyError(reply: CatalogueReply): Error & { responseCode: number } {
  return Object.assign(new Error(replyText(reply)), { responseCode: reply.code });
}
