// CAPABILITY (RFC 3501 §6.1.1): any state.
import { command, ANY_STATE } from './command.ts';
import { ok } from '../session/completion.ts';

export const capability = command({
  states: ANY_STATE,
  parse: (r) => r.end(),
  async run(s) {
    s.untagged(`CAPABILITY ${s.capabilityText()}`);
    return ok('CAPABILITY completed');
  },
});
