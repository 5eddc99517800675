// ID (RFC 2971): any state; the client's parameters are read and ignored, ours are name and vendor.
import { command, ANY_STATE } from './command.ts';
import { ok } from '../session/completion.ts';
import { ImapSyntaxError } from '../protocol/tokens.ts';

export const id = command({
  states: ANY_STATE,
  parse(r) {
    if (r.peekAtom() === 'NIL') r.next('NIL');
    else {
      const list = r.list('ID parameters');
      if (list.remaining() % 2 !== 0 || list.remaining() > 60) throw new ImapSyntaxError('Invalid ID parameters');
    }
    r.end();
  },
  async run(s) {
    s.untagged('ID ("name" "Postern" "vendor" "Postern")');
    return ok('ID completed');
  },
});
