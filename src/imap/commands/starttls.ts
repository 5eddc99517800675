// STARTTLS (RFC 3501 §6.2.1): only on a plain connection with a certificate. Bytes the client
// pipelined after the command were sent in clear and are discarded by the session's upgrade.
import { command, NOT_AUTHENTICATED } from './command.ts';
import { no } from '../session/completion.ts';

export const starttls = command({
  states: NOT_AUTHENTICATED,
  parse: (r) => r.end(),
  async run(s, _args, cmd) {
    if (s.secure) return { status: 'BAD', text: 'TLS is already active' };
    if (!s.tlsAvailable) return no('TLS is not available');
    // The tagged OK must go out in clear before the handshake starts.
    s.writeLine(`${cmd.tag} OK Begin TLS negotiation now`);
    await s.startTls();
    return { status: 'OK', text: 'Begin TLS negotiation now', sent: true };
  },
});
