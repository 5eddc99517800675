// CHECK (RFC 3501 §6.4.1): every change is already durable when acknowledged, so nothing to do.
import { command, SELECTED } from './command.ts';
import { ok } from '../session/completion.ts';

export const check = command({
  states: SELECTED,
  parse: (r) => r.end(),
  async run() {
    return ok('CHECK completed');
  },
});
