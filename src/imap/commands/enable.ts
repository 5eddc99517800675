// ENABLE (RFC 5161): CONDSTORE, QRESYNC (which implies CONDSTORE, RFC 7162 §3.2.3) and UTF8=ACCEPT
// (RFC 6855). Unknown capabilities are ignored, as §3.1 asks.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';

export const enable = command({
  states: AUTHENTICATED,
  parse(r) {
    const caps: string[] = [];
    while (r.more()) caps.push(r.atom('capability').toUpperCase());
    if (caps.length === 0) throw new ImapSyntaxError('ENABLE needs a capability');
    return caps;
  },
  async run(s, caps) {
    const enabled: string[] = [];
    for (const cap of caps) {
      if (cap === 'CONDSTORE' && !s.condstore) {
        s.condstore = true;
        enabled.push(cap);
      } else if (cap === 'QRESYNC' && !s.qresync) {
        s.qresync = true;
        s.condstore = true;
        enabled.push(cap);
      } else if (cap === 'UTF8=ACCEPT' && !s.utf8) {
        s.utf8 = true;
        enabled.push(cap);
      }
    }
    s.untagged(`ENABLED${enabled.map((c) => ' ' + c).join('')}`);
    return ok('ENABLE completed');
  },
});
