// Turning a client's sequence set into positions of the session's view (RFC 3501 §6.4.8, §9):
// message sequence numbers must exist, UIDs need not; "$" is the saved search result (RFC 5182).
// Always true: the returned index ranges are ascending, disjoint, and inside the view.
import { ImapSyntaxError } from '../protocol/tokens.ts';
import { normalize, resolve, type Ranges, type SequenceSet } from '../protocol/sequence-set.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';

/** 0-based inclusive index ranges of the view named by `set`. */
export function indexRanges(view: SelectedMailbox, set: SequenceSet, uid: boolean): Array<[number, number]> {
  if (set.saved) return view.indexRangesOfUids(normalize(view.saved.map((u) => [u, u] as [number, number])));
  if (uid) {
    const maxUid = view.exists > 0 ? view.uids[view.exists - 1]! : 0;
    return view.indexRangesOfUids(resolve(set.ranges, maxUid));
  }
  const ranges = resolve(set.ranges, view.exists);
  if (ranges.length === 0 || ranges[ranges.length - 1]![1] > view.exists) {
    throw new ImapSyntaxError(view.exists === 0 ? 'No messages in this mailbox' : 'Invalid message sequence number');
  }
  return ranges.map(([a, b]) => [a - 1, b - 1]);
}

/** UID ranges covering exactly the view's messages at these index ranges. */
export function uidRanges(view: SelectedMailbox, idx: Array<[number, number]>): Ranges {
  return idx.map(([i, j]) => [view.uids[i]!, view.uids[j]!]);
}

export function uidsAt(view: SelectedMailbox, idx: Array<[number, number]>): number[] {
  const out: number[] = [];
  for (const [i, j] of idx) for (let k = i; k <= j; k++) out.push(view.uids[k]!);
  return out;
}
