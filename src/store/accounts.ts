// Accounts as both store engines keep them: the row shape and the mailboxes every new account
// gets. Always true: an account starts with exactly DEFAULT_MAILBOXES, INBOX first.

export interface AccountRow { id: number; address: string; domainId: number; passwordHash: string; quotaBytes: number; usedBytes: number; createdAt: number }

export const DEFAULT_MAILBOXES: readonly { name: string; specialUse: string | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];
