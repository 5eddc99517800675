// The result items of an ESEARCH response (RFC 4731 §3.1, RFC 5267 §3.1 and §4.4), from the
// result list as the command orders it (mailbox order for SEARCH, sort order for SORT), and the
// ADDTO/REMOVEFROM items of context updates (RFC 5267 §4.3.2). Pure.
// Always true: empty results give no MIN, MAX or ALL; PARTIAL always answers, with NIL when its
// range holds no result; a sequence-set shows a range only where the numbers ascend (§3.2).
import { formatNumbers } from './sequence-set.ts';
import type { ReturnOption, ReturnOptions } from './return-options.ts';

export function esearchItems(ids: readonly number[], options: readonly ReturnOption[], partial: ReturnOptions['partial']): string[] {
  const parts: string[] = [];
  if (options.includes('MIN') && ids.length > 0) parts.push(`MIN ${ids[0]}`);
  if (options.includes('MAX') && ids.length > 0) parts.push(`MAX ${ids[ids.length - 1]}`);
  if (options.includes('ALL') && ids.length > 0) parts.push(`ALL ${formatNumbers(ids)}`);
  if (partial) {
    const slice = ids.slice(partial.low - 1, partial.high);
    parts.push(`PARTIAL (${partial.low}:${partial.high} ${slice.length > 0 ? formatNumbers(slice) : 'NIL'})`);
  }
  if (options.includes('COUNT')) parts.push(`COUNT ${ids.length}`);
  return parts;
}

/** "ADDTO (pos set pos set ...)" or "REMOVEFROM (...)"; pairs in the order they must be applied. */
export function updateItem(name: 'ADDTO' | 'REMOVEFROM', pairs: readonly { position: number; ids: readonly number[] }[]): string {
  return `${name} (${pairs.map((p) => `${p.position} ${formatNumbers(p.ids)}`).join(' ')})`;
}

/** `* ESEARCH (TAG "t") [UID] items` */
export function esearchLine(tag: string, uid: boolean, items: readonly string[]): string {
  return `ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}${items.map((p) => ' ' + p).join('')}`;
}
