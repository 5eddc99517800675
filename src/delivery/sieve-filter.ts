// Sieve at delivery: for each recipient account with an active script, run it (src/sieve) on the
// message as it will be stored and turn its actions into store targets (keep, fileinto with flags
// and :create) and work to do once the copies are committed (redirects, vacation replies,
// rejection notices, duplicate ids). Always true: a script that fails to load or run delivers to
// the account's original target (implicit keep, RFC 5228 §2.10.6) and the reason is logged; a
// fileinto to a missing mailbox without :create, or to a name no mailbox may have (the rules of
// src/imap/protocol/mailbox-names.ts, as IMAP CREATE), keeps instead; nothing leaves the server before
// the local copies are durable.
import { SIEVE_COMPILED_CACHE, SIEVE_MAX_INCLUDED_SCRIPTS, SIEVE_MAX_INCLUDE_DEPTH } from '../limits.ts';
import type { Store } from '../store/api.ts';
import type { StoreTarget } from '../store/delivery.ts';
import { domainOf } from '../store/addresses.ts';
import { mailboxNameProblem } from '../imap/protocol/mailbox-names.ts';
import { compileScript, type CompiledScript } from '../sieve/compile.ts';
import { runSieve, type DuplicateRecord, type SieveAction } from '../sieve/interpreter.ts';
import { SieveMessage } from '../sieve/message.ts';
import { buildVacationReply, type VacationReply } from '../sieve/vacation.ts';
import { buildDsn } from '../mime/dsn.ts';
import { headerSection } from '../mime/header-fields.ts';
import { forwardMessage, queueGenerated, type OutboundServices } from './forward.ts';
import { ownsSender } from './sender-ownership.ts';

export interface FilterOptions {
  /** MAIL FROM; '' for the null sender. */
  envelopeFrom: string;
  /** The RCPT TO address that reached each account (Sieve's envelope "to"). */
  rcptOf: Map<number, string>;
  remoteIp?: string;
  services: OutboundServices;
  /** A reject by every recipient refuses the SMTP transaction (RFC 5429 §2.2) instead of sending a DSN. */
  refuseOnReject?: boolean;
}

export interface DeliveryPlan {
  targets: StoreTarget[];
  /** Work after the commit: forwards, replies, notices, duplicate ids. */
  after: () => Promise<void>;
  /** Every recipient rejected the message (RFC 5429): the reason, for an SMTP-level refusal. */
  rejectedBy: string | null;
}

export class SieveRejectError extends Error {}

const compiled = new Map<string, CompiledScript>();

/** Scripts compile once per text: delivery of a burst of mail to one account parses its script once. */
function compileCached(text: string): CompiledScript {
  let script = compiled.get(text);
  if (!script) {
    script = compileScript(text);
    if (compiled.size >= SIEVE_COMPILED_CACHE) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, script);
  } else {
    compiled.delete(text);
    compiled.set(text, script);
  }
  return script;
}

/** RFC 6609 §3.2: the personal scripts an include names, loaded (and compiled) before the run. */
async function loadIncludes(store: Store, accountId: number, main: CompiledScript): Promise<Map<string, CompiledScript>> {
  const out = new Map<string, CompiledScript>();
  const queue: { script: CompiledScript; depth: number }[] = [{ script: main, depth: 0 }];
  while (queue.length > 0) {
    const { script, depth } = queue.shift()!;
    if (depth >= SIEVE_MAX_INCLUDE_DEPTH) continue;
    for (const ref of script.includes) {
      if (ref.global || out.has(ref.name) || out.size >= SIEVE_MAX_INCLUDED_SCRIPTS) continue;
      const text = await store.sieve.get(accountId, ref.name);
      if (text === null) continue;
      const included = compileCached(text);
      out.set(ref.name, included);
      queue.push({ script: included, depth: depth + 1 });
    }
  }
  return out;
}

/** `full()`: prefix + raw, built only when some recipient has a script. */
export async function planDelivery(store: Store, full: () => Buffer, raw: Buffer, prefix: Buffer, targets: StoreTarget[], opts: FilterOptions): Promise<DeliveryPlan> {
  const { log, hostname } = opts.services;
  const now = store.clock.now();
  let message: SieveMessage | null = null;
  const out: StoreTarget[] = [];
  const later: (() => Promise<void>)[] = [];
  let rejections = 0;
  let reason: string | null = null;

  for (const target of targets) {
    const active = await store.sieve.active(target.accountId);
    const account = active ? await store.accounts.byId(target.accountId) : null;
    if (!active || !account) { out.push(target); continue; }
    let actions: SieveAction[];
    let duplicates: DuplicateRecord[] = [];
    try {
      const script = compileCached(active.script);
      const personal = script.includes.length > 0 ? await loadIncludes(store, account.id, script) : new Map();
      const result = await runSieve(script, {
        message: (message ??= new SieveMessage(full())),
        envelope: { from: opts.envelopeFrom, to: opts.rcptOf.get(account.id) ?? account.address },
        userAddresses: [account.address],
        environment: {
          domain: domainOf(account.address), host: hostname, location: 'MDA', name: 'Postern', phase: 'during', version: '0.1.0',
          ...(opts.remoteIp ? { 'remote-ip': opts.remoteIp } : {}),
        },
        now, zoneMinutes: 0,
        includes: { personal, global: new Map() },
        hooks: {
          mailboxExists: async (name) => (await store.mailboxes.find(account.id, name)) !== null,
          duplicateSeen: (key) => store.sieve.duplicateSeen(account.id, key, now),
        },
      });
      actions = result.actions;
      duplicates = result.duplicates;
      for (const note of result.notes) log.info({ account: account.address, script: active.name }, note);
    } catch (err) {
      // RFC 5228 §2.10.6: a run-time error means the implicit keep.
      log.warn({ err: (err as Error).message, account: account.address, script: active.name }, 'sieve script failed; message kept in INBOX');
      out.push(target);
      continue;
    }
    const redirects: string[] = [];
    for (const action of actions) {
      switch (action.type) {
        case 'keep': out.push({ ...target, flags: action.flags }); break;
        case 'fileinto': {
          // RFC 5228 §4.1: a name no mailbox may have (the rules IMAP CREATE applies) is delivered as a keep.
          const problem = action.mailbox === 'INBOX' ? null : mailboxNameProblem(action.mailbox);
          if (problem) {
            log.warn({ account: account.address, mailbox: action.mailbox, problem }, 'sieve fileinto an invalid mailbox name; kept instead');
            out.push({ ...target, flags: action.flags });
            break;
          }
          const exists = action.mailbox === 'INBOX' || (await store.mailboxes.find(account.id, action.mailbox)) !== null;
          if (!exists && !action.create) {
            log.warn({ account: account.address, mailbox: action.mailbox }, 'sieve fileinto a mailbox that does not exist (no :create); kept instead');
            out.push({ ...target, flags: action.flags });
          } else out.push({ accountId: account.id, mailbox: action.mailbox, flags: action.flags, create: action.create });
          break;
        }
        case 'discard': break;
        case 'redirect': redirects.push(action.address); break;
        case 'reject':
          rejections++;
          reason = action.reason;
          if (opts.envelopeFrom !== '') later.push(() => sendRejection(store, opts, full(), account.id, account.address, action.reason));
          break;
        case 'vacation': later.push(() => sendVacation(store, opts, account, opts.rcptOf.get(account.id) ?? account.address, action)); break;
      }
    }
    if (redirects.length > 0) {
      later.push(async () => {
        const outcome = await forwardMessage(store, opts.services, { raw, prefix, envelopeFrom: opts.envelopeFrom, ownerAccountId: account.id, ownerAddress: account.address, targets: redirects });
        if (!outcome.queued) log.warn({ account: account.address, reason: outcome.reason, targets: redirects }, 'sieve redirect not sent');
      });
    }
    if (duplicates.length > 0) later.push(() => store.sieve.recordDuplicates(account.id, duplicates, now));
  }
  const rejectedBy = opts.refuseOnReject && targets.length > 0 && rejections === targets.length ? reason : null;
  return {
    targets: dedupe(out),
    rejectedBy,
    after: async () => {
      // Refused at SMTP level: the sender's MTA reports it; nothing else happens.
      if (rejectedBy !== null) return;
      for (const work of later) await work();
    },
  };
}

// Two actions filing into one mailbox of one account make one copy (RFC 5228 §2.10.3).
function dedupe(targets: StoreTarget[]): StoreTarget[] {
  const seen = new Map<string, StoreTarget>();
  for (const t of targets) seen.set(`${t.accountId}\0${t.mailbox ?? 'INBOX'}`, t);
  return [...seen.values()];
}

async function sendVacation(store: Store, opts: FilterOptions, account: { id: number; address: string }, reachedAs: string, reply: VacationReply): Promise<void> {
  const now = store.clock.now();
  // RFC 5230 §4.2: one reply per sender and handle per period, remembered in the store.
  if (!(await store.sieve.claimVacation(account.id, reply.to, reply.handle, now, reply.seconds))) {
    opts.services.log.info({ to: reply.to }, 'vacation: already replied to this sender within the period');
    return;
  }
  // RFC 5230 §4.3: a :from the user may not send as (submission's rule) is ignored, not obeyed:
  // the reply comes from the address the mail reached, so vacation cannot forge another's From.
  let from = /<([^<>]+)>/.exec(reply.from)?.[1] ?? reply.from;
  if (from.toLowerCase() !== reachedAs.toLowerCase() && !(await ownsSender(store, account.address, from))) {
    opts.services.log.warn({ account: account.address, from }, 'vacation :from is not an address of this user; replying from the address the mail reached');
    from = reachedAs;
    reply = { ...reply, from: reachedAs };
  }
  const message = buildVacationReply(reply, { hostname: opts.services.hostname, now });
  await queueGenerated(store, opts.services, message, domainOf(from), reply.to, account.id);
}

// RFC 5429 §2.1.1: after the SMTP transaction a reject is a delivery status notification to the sender.
async function sendRejection(store: Store, opts: FilterOptions, full: Buffer, accountId: number, address: string, reason: string): Promise<void> {
  const now = store.clock.now();
  const dsn = buildDsn({
    hostname: opts.services.hostname, sender: opts.envelopeFrom, originalHeaders: headerSection(full), arrivalDate: now, now,
    failures: [{ recipient: address, status: '5.7.1', diagnostic: `x-sieve; ${reason.replace(/\s+/g, ' ').trim()}`, lastAttemptAt: now }],
  });
  await queueGenerated(store, opts.services, dsn, opts.services.hostname, opts.envelopeFrom, accountId);
}
