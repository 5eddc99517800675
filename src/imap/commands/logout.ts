// LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK, then close.
import { command, ANY_STATE } from './command.ts';
import { ok } from '../session/completion.ts';

export const logout = command({
  states: ANY_STATE,
  parse: (r) => r.end(),
  async run(s) {
    s.untagged('BYE Logging out');
    s.deselect();
    return { ...ok('LOGOUT completed'), close: true };
  },
});
