// Makes every reply smtp-server sends for us carry the right RFC 3463 enhanced status code.
// smtp-server picks a code from the reply number alone (550 → 5.1.1, 554 → 5.6.0) and gives
// handler errors no way to say which one they mean; so our handlers write the enhanced code at the
// start of their text ("5.7.1 Relaying denied") and this rewrite tells smtp-server not to add its
// own. Pure. Always true: a reply we rewrite has exactly one enhanced code, and its class digit
// matches the reply's.

export interface Reply {
  code: number;
  text: string;
  /** false: send as is, smtp-server must not add an enhanced code. undefined: let it choose. */
  context?: false;
}

const OWN_CODE = /^([245])\.\d{1,3}\.\d{1,3} /;

/** smtp-server's parser reports an over-long command line this way (then the session ends). */
export const COMMAND_TOO_LONG = 'Error: Command line too long';

export function rewriteReply(code: number, text: unknown): Reply | null {
  if (typeof text !== 'string') return null;
  const own = OWN_CODE.exec(text);
  if (own && Number(own[1]) === Math.floor(code / 100)) return { code, text, context: false };
  // RFC 5321 §4.5.3.1.4 and §4.2.4: a line that is too long is answered 500, RFC 3463 X.5.2
  // (syntax error); smtp-server says 421 because its parser cannot continue after one.
  if (code === 421 && text === COMMAND_TOO_LONG) return { code: 500, text: '5.5.2 Line too long', context: false };
  return null;
}
