// The reply policies of the two listeners: what each reply smtp-server is about to send becomes
// (src/smtp/engine.ts hands every one of them here). smtp-server picks an enhanced status code
// (RFC 3463) from the reply number alone (550 → 5.1.1, 554 → 5.6.0) and gives handler errors no way
// to say which one they mean; so our handlers write the enhanced code at the start of their text
// ("5.7.1 Relaying denied") and the policy tells smtp-server not to add its own. Pure. Always true:
// a reply we rewrite has exactly one enhanced code, and its class digit matches the reply's.
import type { EngineReply, ReplacedReply, ReplyPolicy } from './engine.ts';

const OWN_CODE = /^([245])\.\d{1,3}\.\d{1,3} /;

/** A text that already carries its enhanced code (of the reply's class) is sent as is. */
function keepOwnCode(reply: EngineReply): ReplacedReply | null {
  if (typeof reply.data !== 'string') return null;
  const own = OWN_CODE.exec(reply.data);
  if (own && Number(own[1]) === Math.floor(reply.code / 100)) return { code: reply.code, data: reply.data, context: false };
  return null;
}

/** Port 25. */
export const inboundReplies: ReplyPolicy = (reply) => {
  // RFC 5321 §4.5.3.1.4 and §4.2.4: a line that is too long is answered 500, RFC 3463 X.5.2
  // (syntax error); smtp-server says 421 because its parser cannot continue after one, so the
  // session ends after the reply.
  if (reply.cause === 'command-too-long') return { code: 500, data: '5.5.2 Line too long', context: false, close: true };
  return keepOwnCode(reply);
};

// RFC 3207 §4: the reply to a command that needs TLS first.
export const STARTTLS_FIRST = { code: 530, text: '5.7.0 Must issue a STARTTLS command first' } as const;

/** Submission (587, 465): AUTH is disabled for a session until TLS (see submission-server.ts). */
export const submissionReplies: ReplyPolicy = (reply) => {
  if (reply.cause === 'command-disabled' && reply.context === 'AUTH') return { code: STARTTLS_FIRST.code, data: STARTTLS_FIRST.text, context: false };
  return keepOwnCode(reply);
};
