// Forwarding through the outbound queue: Sieve redirect and alias targets outside our domains.
// Always true: the envelope sender is SRS-rewritten to the forwarding domain (so SPF passes at
// the receiver and bounces come back verifiably); the message is ARC-sealed on top of its chain
// with the forwarding domain's key (RFC 8617); a message that already carries our Delivered-To
// for this address is not forwarded again (loop protection); a forward for an account counts
// against that account's hourly sending limit; the raw bytes are never rewritten, only prefixed.
import type { Store } from '../store/api.ts';
import type { Logger } from '../log.ts';
import type { Config } from '../config/types.ts';
import { domainOf } from '../store/addresses.ts';
import { srsFor } from '../srs/srs.ts';
import { arcSeal, chainValidation, ourAuthenticationResults } from '../email-auth/arc-seal.ts';
import { signMessage } from '../email-auth/sign.ts';
import { readHeaderBlock, fieldValue } from '../mime/header-block.ts';
import { countSendWithin } from './send-rate.ts';
import { resolveRecipient } from './recipients.ts';
import { deliver } from './deliver.ts';

/** Local accounts among `targets` (delivered in place, not queued) and the remote rest. */
async function splitTargets(store: Store, targets: string[]): Promise<{ local: number[]; remote: string[] }> {
  const local = new Set<number>();
  const remote: string[] = [];
  for (const t of targets) {
    const r = await resolveRecipient(store, t);
    if (r.kind === 'local') for (const id of r.accountIds) local.add(id);
    else remote.push(t);
  }
  return { local: [...local], remote };
}

/** What forwarding and Sieve's outbound messages need from the server around them. */
export interface OutboundServices {
  hostname: string;
  dataDir: string;
  log: Logger;
  messagesPerHour: number;
  queueLifetimeS: number;
}

export function outboundServicesOf(ctx: { config: Config; log: Logger }): OutboundServices {
  return {
    hostname: ctx.config.hostname, dataDir: ctx.config.data_dir, log: ctx.log,
    messagesPerHour: ctx.config.submission.messages_per_hour, queueLifetimeS: ctx.config.queue.lifetime_s,
  };
}

export interface ForwardRequest {
  raw: Buffer;
  /** The header lines we prepended at delivery (Authentication-Results, Received). */
  prefix: Buffer;
  envelopeFrom: string;
  /** The account whose Sieve rule forwards (its sending limit applies); null for an alias. */
  ownerAccountId: number | null;
  /** The address the message reached: Delivered-To, and the domain the SRS address and ARC seal use. */
  ownerAddress: string;
  targets: string[];
}

export type ForwardOutcome = { queued: true } | { queued: false; reason: 'loop' | 'rate-limit' };

/** True when the message already passed through us for `address` (a Delivered-To trace). */
export function alreadyDeliveredTo(message: Buffer, address: string): boolean {
  const { fields } = readHeaderBlock(message, 0, message.length);
  const wanted = address.toLowerCase();
  return fields.some((f) => f.name === 'delivered-to' && fieldValue(message, f).replace(/^<|>$/g, '').toLowerCase() === wanted);
}

export async function forwardMessage(store: Store, services: OutboundServices, req: ForwardRequest): Promise<ForwardOutcome> {
  const now = store.clock.now();
  const full = Buffer.concat([req.prefix, req.raw]);
  if (alreadyDeliveredTo(full, req.ownerAddress)) return { queued: false, reason: 'loop' };
  if (req.ownerAccountId !== null) {
    if (!await countSendWithin(store, req.ownerAccountId, services.messagesPerHour)) return { queued: false, reason: 'rate-limit' };
  }
  const domain = domainOf(req.ownerAddress);
  const sender = srsFor(services.dataDir).forward(req.envelopeFrom, domain, now);
  // RFC 9228 Delivered-To: the trace that lets the next pass through here see the loop.
  const traced = Buffer.concat([Buffer.from(`Delivered-To: ${req.ownerAddress}\r\n`), req.prefix]);
  const authResults = ourAuthenticationResults(req.prefix.toString('latin1'), services.hostname) ?? `${services.hostname}; none`;
  let seal = '';
  try {
    seal = await arcSeal(Buffer.concat([traced, req.raw]), { domain, keys: await store.domains.dkimKeys(domain), authResults, cv: chainValidation(authResults), now });
    // arc-seal.ts returns nothing without an RSA key, and mailauth seals no chain whose newest seal says cv=fail (RFC 8617 §5.1).
    if (seal === '') services.log.warn({ domain }, 'forward not ARC-sealed (no RSA DKIM key for the domain, or a chain that cannot be sealed again)');
  } catch (err) {
    services.log.warn({ err, domain }, 'ARC sealing failed; forwarding unsealed');
  }
  const prefix = Buffer.concat([Buffer.from(seal, 'latin1'), traced]);
  const { local, remote } = await splitTargets(store, req.targets);
  // A redirect to one of our own accounts is delivered in place (to its INBOX, without its Sieve,
  // so two scripts cannot bounce a message between them).
  await deliver(store, {
    raw: req.raw, prefix, recipients: local.map((accountId) => ({ accountId })), internalDate: now,
    ...(remote.length > 0 ? { queue: { sender, accountId: req.ownerAccountId, recipients: remote, expiresAt: now + services.queueLifetimeS * 1000 } } : {}),
  });
  return { queued: true };
}

/**
 * Queues a message Postern writes itself (a vacation reply, a rejection notice) from the null
 * sender, DKIM-signed for the domain of its From address when that domain has keys.
 */
export async function queueGenerated(store: Store, services: OutboundServices, message: Buffer, fromDomain: string, recipient: string, accountId: number | null): Promise<void> {
  const now = store.clock.now();
  const keys = await store.domains.dkimKeys(fromDomain);
  const signature = signMessage(message, fromDomain, keys, now);
  const prefix = Buffer.from(signature, 'latin1');
  const { local, remote } = await splitTargets(store, [recipient]);
  await deliver(store, {
    raw: message, prefix, recipients: local.map((id) => ({ accountId: id })), internalDate: now,
    ...(remote.length > 0 ? { queue: { sender: '', accountId, recipients: remote, expiresAt: now + services.queueLifetimeS * 1000 } } : {}),
  });
}
