// CANCELUPDATE (RFC 5267 §4.3.5): ends the updates of the SEARCH/SORT contexts named by their tags.
// Always true: every tag given names a live context of the selected mailbox, or nothing is cancelled.
import { command, SELECTED } from './command.ts';
import { bad, ok } from '../session/completion.ts';

export const cancelupdate = command({
  states: SELECTED,
  parse(r) {
    const tags: string[] = [];
    do tags.push(r.string('context tag').toString('latin1'));
    while (r.more());
    return tags;
  },
  async run(s, tags) {
    const contexts = s.selected!.contexts;
    const unknown = tags.find((t) => !contexts.has(t));
    if (unknown !== undefined) return bad(`No updating context has the tag ${unknown.slice(0, 40)}`);
    for (const t of tags) contexts.cancel(t);
    return ok('CANCELUPDATE completed');
  },
});
