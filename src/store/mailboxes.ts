// A mailbox row as both engines return it (the CLI and export read it).

export interface MailboxRow {
  id: number; accountId: number; name: string; specialUse: string | null; subscribed: boolean;
  uidValidity: number; uidNext: number; highestModseq: number; messages: number; size: number;
}
