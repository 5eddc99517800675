// NAMESPACE (RFC 2342): one personal namespace with "/" as delimiter; no shared or other users'.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';

export const namespace = command({
  states: AUTHENTICATED,
  parse: (r) => r.end(),
  async run(s) {
    s.untagged('NAMESPACE (("" "/")) NIL NIL');
    return ok('NAMESPACE completed');
  },
});
