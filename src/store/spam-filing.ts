// What the user's filing of a message teaches the filter: pure rules from a mailbox move, copy or
// keyword change to a class. Always true: into Junk (or any folder below it) is spam; out of Junk
// (or out of Rejects) into anything but Trash or Junk is ham; $Junk is spam and $NotJunk is ham
// (the keywords Thunderbird and Apple Mail set, draft-ietf-mailmaint-messageflag-mailboxattribute).
// Anything else teaches nothing.

export type SpamClass = 'spam' | 'ham';

/** A mailbox as the rules see it: its name (hierarchy delimiter '/') and special-use attribute. */
export interface FiledBox { name: string; specialUse: string | null }

/** The mailbox that keeps copies of refused messages; never trained, never subscribed. */
export const REJECTS_MAILBOX = 'Rejects';

export type MailboxRole = 'junk' | 'trash' | 'rejects' | 'other';

/** Junk is the \Junk special-use mailbox or one named "Junk"/"Spam", and every folder below one. */
export function roleOf(box: FiledBox, junkNames: readonly string[]): MailboxRole {
  if (box.specialUse === '\\Junk') return 'junk';
  if (box.specialUse === '\\Trash') return 'trash';
  if (box.name === REJECTS_MAILBOX) return 'rejects';
  for (const j of junkNames) if (box.name === j || box.name.startsWith(`${j}/`)) return 'junk';
  if (/^(junk|spam)(\/|$)/i.test(box.name)) return 'junk';
  if (/^trash$/i.test(box.name)) return 'trash';
  return 'other';
}

/** The class a message moved or copied from `from` to `to` is trained as, or null. */
export function classOfFiling(from: MailboxRole, to: MailboxRole): SpamClass | null {
  if (to === 'junk') return from === 'junk' ? null : 'spam';
  if ((from === 'junk' || from === 'rejects') && to === 'other') return 'ham';
  return null;
}

const JUNK = '$junk';
const NOT_JUNK = '$notjunk';

/** True when a keyword list mentions a keyword these rules read (cheap test before any lookup). */
export function mentionsJunkKeywords(keywords: readonly string[]): boolean {
  return keywords.some((k) => k.toLowerCase() === JUNK || k.toLowerCase() === NOT_JUNK);
}

/** The class a keyword change trains, from the keyword lists before and after; $NotJunk wins a tie. */
export function classOfKeywords(before: string, after: string): SpamClass | null {
  const had = new Set(before ? before.toLowerCase().split(' ') : []);
  const has = new Set(after ? after.toLowerCase().split(' ') : []);
  if (has.has(NOT_JUNK) && !had.has(NOT_JUNK)) return 'ham';
  if (has.has(JUNK) && !had.has(JUNK)) return 'spam';
  return null;
}
