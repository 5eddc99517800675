// AUTHENTICATE (RFC 3501 §6.2.2) with PLAIN (RFC 4616, initial response per RFC 4959 SASL-IR) and
// LOGIN (what Thunderbird falls back to). A "*" response cancels with BAD.
import { command, NOT_AUTHENTICATED } from './command.ts';
import { no, type Completion } from '../session/completion.ts';
import { decodeSaslPlain } from '../../login/sasl.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { completeLogin } from './login.ts';
import type { ImapSession } from '../session/session.ts';

const CANCELLED: Completion = { status: 'BAD', text: 'Authentication cancelled' };

async function challenge(s: ImapSession, text: string): Promise<string | null> {
  s.writeLine(`+ ${text}`);
  const line = await s.readLine();
  if (line === null) return null;
  return line.toString('latin1').trim();
}

function base64Text(b64: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return null;
  return Buffer.from(b64, 'base64').toString('utf8');
}

export const authenticateCommand = command({
  states: NOT_AUTHENTICATED,
  parse(r) {
    const mechanism = r.atom('mechanism').toUpperCase();
    const initial = r.more() ? r.atom('initial response') : null;
    r.end();
    return { mechanism, initial };
  },
  async run(s, a) {
    if (!s.loginAllowed) return no('Log in over TLS (STARTTLS or port 993)', 'PRIVACYREQUIRED');
    if (a.mechanism === 'PLAIN') {
      let response = a.initial === '=' ? '' : a.initial;
      if (response === null) {
        response = await challenge(s, '');
        if (response === null || response === '*') return CANCELLED;
      }
      const creds = decodeSaslPlain(response);
      if (!creds) return { status: 'BAD', text: 'Invalid SASL PLAIN response' };
      if (creds.authzid && creds.authzid.toLowerCase() !== creds.username.toLowerCase()) {
        return no('Acting as another user is not allowed', 'AUTHORIZATIONFAILED');
      }
      return completeLogin(s, creds.username, creds.password);
    }
    if (a.mechanism === 'LOGIN') {
      let username = a.initial !== null ? base64Text(a.initial) : null;
      if (username === null) {
        const r1 = await challenge(s, 'VXNlcm5hbWU6');
        if (r1 === null || r1 === '*') return CANCELLED;
        username = base64Text(r1);
      }
      const r2 = await challenge(s, 'UGFzc3dvcmQ6');
      if (r2 === null || r2 === '*') return CANCELLED;
      const password = base64Text(r2);
      if (username === null || password === null) throw new ImapSyntaxError('Invalid base64');
      return completeLogin(s, username, password);
    }
    return no(`Unsupported mechanism ${a.mechanism.slice(0, 20)}`, 'CANNOT');
  },
});
