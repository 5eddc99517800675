// NOOP (RFC 3501 §6.1.2): any state; its point is the change report the session adds after it.
import { command, ANY_STATE } from './command.ts';
import { ok } from '../session/completion.ts';

export const noop = command({
  states: ANY_STATE,
  parse: (r) => r.end(),
  async run() {
    return ok('NOOP completed');
  },
});
