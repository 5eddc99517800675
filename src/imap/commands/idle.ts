// IDLE (RFC 2177): changes to the selected mailbox are reported as they commit, until DONE.
import { command, AUTHENTICATED } from './command.ts';
import { ok } from '../session/completion.ts';

export const idle = command({
  states: AUTHENTICATED,
  parse: (r) => r.end(),
  async run(s) {
    await s.reportChanges(true);
    s.writeLine('+ idling');
    s.setIdling(true);
    try {
      const line = await s.readLine();
      if (line === null) return ok('IDLE terminated');
      if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return { status: 'BAD', text: 'Expected DONE' };
      return ok('IDLE terminated');
    } finally {
      s.setIdling(false);
    }
  },
});
