// Delivery's shapes and failures, shared by both engines: what one message stored for several
// targets is (StoreInput), what each target got back (StoredCopy), and the two refusals. Always
// true: a StoreInput is stored for all its targets in one transaction or for none.
import type { ContentIndex } from './contents.ts';
import type { SpamDeliveryRecord } from './spam.ts';

export class NoSuchMailboxError extends Error {}

export class OverQuotaError extends Error {
  readonly accountId: number;
  constructor(accountId: number) {
    super(`account ${accountId} is over its quota`);
    this.accountId = accountId;
  }
}

export interface StoreInput {
  raw: Buffer;
  prefix: Buffer;
  index: ContentIndex;
  targets: StoreTarget[];
  internalDate: number;
  flags: string[];
  /** The spam filter's verdict per recipient account (inbound mail only), recorded with the copies. */
  spam?: readonly SpamDeliveryRecord[];
  /** Store even past the quota: only for bounces, which must not be lost to a full mailbox (as Postfix does). */
  ignoreQuota?: boolean;
}

export interface StoreTarget {
  accountId: number;
  /** A mailbox name, or a special-use attribute such as '\\Junk'; INBOX when absent. */
  mailbox?: string;
  /** Flags and keywords for this copy (Sieve imap4flags); the input's flags when absent. */
  flags?: string[];
  /** Create the mailbox (and missing parents) when it does not exist (Sieve fileinto :create, RFC 5490). */
  create?: boolean;
}

export interface StoredCopy { accountId: number; mailboxId: number; uid: number; uidValidity: number; modseq: number }
