// LOGIN (RFC 3501 §6.2.3): refused without TLS unless loopback is allowed (LOGINDISABLED), throttled
// per IP and per account through the shared login module, answered with the new capabilities.
import { command, NOT_AUTHENTICATED } from './command.ts';
import { no, ok, type Completion } from '../session/completion.ts';
import { authenticate } from '../../login/authenticate.ts';
import type { ImapSession } from '../session/session.ts';

export const login = command({
  states: NOT_AUTHENTICATED,
  parse(r) {
    const username = r.astring('user name');
    const password = r.astring('password');
    r.end();
    return { username, password };
  },
  run: (s, a) => completeLogin(s, a.username, a.password),
});

/** Checks credentials and moves the session to the authenticated state (LOGIN and AUTHENTICATE). */
export async function completeLogin(s: ImapSession, username: string, password: string): Promise<Completion> {
  if (!s.loginAllowed) return no('Log in over TLS (STARTTLS or port 993)', 'PRIVACYREQUIRED');
  const { store, throttle } = s.services;
  const result = await authenticate(store, throttle, s.remoteAddress, username, password);
  if (!result.ok) {
    s.services.metrics?.authFailures.inc({ protocol: 'imap' });
    return result.reason === 'throttled'
      ? no('Too many failed logins; try again later', 'UNAVAILABLE')
      : no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  const slot = await s.services.claimSession(result.accountId);
  if (!slot) return no('Too many sessions for this account', 'LIMIT');
  s.loggedIn({ id: result.accountId, address: result.address }, slot);
  return ok('Logged in', `CAPABILITY ${s.capabilityText()}`);
}
