// The delivery worker inside `serve`: the scheduler of the outbound queue. It picks destination
// domains with due recipients, claims them (moving their next attempt past a lease before any
// dialling), resolves the route, dials MX hosts in order and records each outcome as soon as it is
// known (a recipient a [[queue.route]] matches goes to that relay instead of the MX, with the same
// outcomes, retries and bounces); permanent failures and expired recipients are bounced to the sender's mailbox through
// deliver(). Always true: at most `concurrency` domains are worked on at once and at most
// `per_destination` connections go to one domain; an unexpected error defers, never bounces;
// every recorded outcome is counted once in the catalogue's metrics (sent, deferred or bounced).
import os from 'node:os';
import type { Config, RouteConfig } from '../config/types.ts';
import type { Store } from '../store/api.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../clock.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { ClaimedRecipient, QueueOutcome } from '../store/queue.ts';
import { DnsTemporaryError } from '../dns/resolver.ts';
import { deliver } from '../delivery/deliver.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { resolveRoute, type DeliveryHost } from './mx.ts';
import { matchRoute, resolveRelay, routeLabel, RouteUnavailable } from './routes.ts';
import { nextAttempt, type RetryPolicy } from './retry-schedule.ts';
import { queueGauges, serverMetrics, type ServerMetrics } from '../metrics/catalogue.ts';
import { deliverToHost, type HostAttempt, type HostResult, type OutboundMessage, type RecipientOutcome } from './smtp-attempt.ts';
import { TlsResultLog } from './tls-results.ts';
import { MtaStsPolicies, httpsPolicyFetcher, mxPermitted, tlsRequired, type PolicyFetcher } from './mta-sts.ts';
import { buildDsn, shouldBounce, statusFromReply, type FailedRecipient } from '../mime/dsn.ts';
import { headerSection } from '../mime/header-fields.ts';
import { Srs, srsFor } from '../srs/srs.ts';
import { queueGenerated, outboundServicesOf } from '../delivery/forward.ts';
import { adviceText, destinationOf, explainReply } from './rejections.ts';
import { GREYLIST_RETRY_S, REMOTE_REPLY_KEPT_CHARS, QUEUE_RECORD_WINDOW_MS, QUEUE_CLAIM_LEASE_MS, QUEUE_CLAIM_RENEW_MS, QUEUE_KICK_DELAY_MS as KICK_DELAY_MS, QUEUE_MESSAGES_PER_CONNECTION, QUEUE_RETRY_JITTER } from '../limits.ts';

export interface WorkerOptions {
  /** Trust anchors for MTA-STS and required TLS (tests). */
  ca?: string | Buffer;
  mtaStsFetcher?: PolicyFetcher;
  random?: () => number;
  /** How often to look for due work when nothing wakes the worker. */
  pollMs?: number;
}

interface Failure { claimed: ClaimedRecipient; reply: string; host?: string; expired: boolean }

/** How often counted TLS results reach the store: a crash loses at most this much of a day's report. */
const TLS_RESULTS_FLUSH_MS = 60_000;

/** An SMTP reply from the remote, alone or after our "host[address]: " or "… refused: " prefix. */
function hasSmtpReply(reply: string): boolean {
  return /(?:^|: )[45]\d\d[ -]/.test(reply);
}

function adviceOf(reply: string): string | undefined {
  const e = explainReply(reply);
  return e ? adviceText(e) : undefined;
}

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) out.add(i.address);
  return out;
}

/** What the worker needs from the server around it (serve's ServerContext is one). */
export interface QueueServices {
  config: Config;
  store: Store;
  resolver: Resolver;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
}

export class QueueWorker {
  private readonly ctx: QueueServices;
  private readonly opts: WorkerOptions;
  private readonly policies: MtaStsPolicies;
  private readonly retry: RetryPolicy;
  private readonly metrics: ServerMetrics;
  private readonly own = ownAddresses();
  /** TLS outcomes of MX connections, written to the store at most every TLS_RESULTS_FLUSH_MS (for TLS-RPT). */
  readonly tlsResults = new TlsResultLog();
  private tlsFlushedAt = 0;
  private readonly active = new Map<string, number>();
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private scanning = false;
  private rescan = false;
  private readonly inflight = new Set<Promise<void>>();
  /** Claims whose outcome settle() has taken: an error later in the same job leaves them alone. */
  private readonly settledClaims = new WeakSet<ClaimedRecipient>();
  /** Each running job's claims and the end of their current lease, renewed while the job runs. */
  private readonly leases = new Map<ClaimedRecipient[], number>();
  private renewTimer: NodeJS.Timeout | null = null;

  constructor(ctx: QueueServices, opts: WorkerOptions = {}) {
    this.ctx = ctx;
    this.opts = opts;
    this.policies = new MtaStsPolicies({
      resolver: ctx.resolver, store: ctx.store,
      fetch: opts.mtaStsFetcher ?? httpsPolicyFetcher({ resolver: ctx.resolver, ca: opts.ca, allowPrivate: ctx.config.testing.allow_private_mx }),
    });
    this.retry = { scheduleS: ctx.config.queue.retry_schedule_s, lifetimeS: ctx.config.queue.lifetime_s, jitter: QUEUE_RETRY_JITTER };
    this.metrics = serverMetrics(ctx.metrics);
    // Read from the store at scrape time, so the gauges also see what a previous run left queued.
    queueGauges(ctx.metrics, async () => {
      const b = await ctx.store.queue.backlog();
      return [{ labels: { status: 'pending' }, value: b.pending }, { labels: { status: 'deferred' }, value: b.deferred }];
    }, async () => {
      const { oldestCreatedAt } = await ctx.store.queue.backlog();
      return [{ value: oldestCreatedAt === null ? 0 : Math.max(0, ctx.clock.now() - oldestCreatedAt) / 1000 }];
    });
  }

  start(): void {
    this.stopped = false;
    this.renewTimer = setInterval(() => void this.renewLeases(), QUEUE_CLAIM_RENEW_MS);
    this.renewTimer.unref();
    this.kick();
  }

  /** Extends the leases of the claims running jobs have not settled yet (compare-and-set in the store). */
  private async renewLeases(): Promise<void> {
    for (const [claimed, until] of this.leases) {
      const open = claimed.filter((c) => !this.settledClaims.has(c));
      if (open.length === 0) continue;
      const next = this.ctx.clock.now() + QUEUE_CLAIM_LEASE_MS;
      try {
        await this.ctx.store.queue.renewClaims(open, until, next);
        if (this.leases.has(claimed)) this.leases.set(claimed, next);
      } catch (err) {
        this.ctx.log.warn({ err }, 'queue claims could not be renewed; they run out at their lease');
      }
    }
  }

  /** Stops scheduling and waits for connections in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    await Promise.allSettled([...this.inflight]);
    await this.flushTlsResults();
  }

  /** Writes the TLS results counted so far; a failure is logged (they are statistics, not mail). */
  async flushTlsResults(): Promise<void> {
    this.tlsFlushedAt = this.ctx.clock.now();
    await this.tlsResults.flush(this.ctx.store).catch((err) => this.ctx.log.warn({ err }, 'TLS results could not be recorded'));
  }

  /**
   * Look for due work soon (called after new mail is queued). Kicks within KICK_DELAY_MS share one
   * scan: a burst of submissions should not run the due-domains query once per message.
   */
  kick(): void {
    if (this.stopped || this.kickTimer) return;
    this.kickTimer = setTimeout(() => { this.kickTimer = null; this.scanNow(); }, KICK_DELAY_MS);
  }

  private scanNow(): void {
    if (this.stopped) return;
    if (this.scanning) { this.rescan = true; return; }
    this.scanning = true;
    this.scan().catch((err) => this.ctx.log.error({ err }, 'queue scan failed'))
      .finally(() => {
        this.scanning = false;
        if (this.rescan) { this.rescan = false; this.scanNow(); }
      });
  }

  private async scan(): Promise<void> {
    const q = this.ctx.config.queue;
    const now = this.ctx.clock.now();
    if (now - this.tlsFlushedAt >= TLS_RESULTS_FLUSH_MS) await this.flushTlsResults();
    const free = q.concurrency - this.running;
    if (free > 0) {
      const domains = await this.ctx.store.queue.dueDomains(now, q.concurrency * 2);
      let started = 0;
      for (const domain of domains) {
        if (started >= free) break;
        if ((this.active.get(domain) ?? 0) >= q.per_destination) continue;
        const claimed = await this.ctx.store.queue.claimDue(domain, now, now + QUEUE_CLAIM_LEASE_MS, QUEUE_MESSAGES_PER_CONNECTION);
        if (claimed.length === 0) continue;
        started++;
        this.leases.set(claimed, now + QUEUE_CLAIM_LEASE_MS);
        this.launch(domain, claimed);
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const poll = this.opts.pollMs ?? 1000;
    this.timer = setTimeout(() => this.scanNow(), poll);
    this.timer.unref();
  }

  private launch(domain: string, claimed: ClaimedRecipient[]): void {
    this.running++;
    this.active.set(domain, (this.active.get(domain) ?? 0) + 1);
    const job = this.deliverDomain(domain, claimed)
      .catch((err) => {
        // Our own failure: defer what is still open (unknown errors are temporary). What settle()
        // already took keeps its outcome: a remote 5xx (or 250) is not turned into a deferral.
        this.ctx.log.error({ err, domain }, 'queue delivery failed unexpectedly');
        const open = claimed.filter((c) => !this.settledClaims.has(c));
        return this.settle(open.map((c) => ({ claimed: c, kind: 'temporary' as const, reply: 'local error' })));
      })
      .finally(() => {
        this.leases.delete(claimed);
        this.running--;
        const n = (this.active.get(domain) ?? 1) - 1;
        if (n <= 0) this.active.delete(domain); else this.active.set(domain, n);
        this.inflight.delete(job);
        this.kick();
      });
    this.inflight.add(job);
  }

  private async deliverDomain(domain: string, claimed: ClaimedRecipient[]): Promise<void> {
    const routes = this.ctx.config.queue.route;
    if (routes.length === 0) return this.deliverByMx(domain, claimed);
    // Routes may split one destination's recipients (by sender or account): each group goes its way.
    const groups = new Map<RouteConfig | null, ClaimedRecipient[]>();
    const accounts = new Map<number, string | null>();
    for (const c of claimed) {
      let account: string | null = null;
      if (c.accountId !== null) {
        if (!accounts.has(c.accountId)) accounts.set(c.accountId, (await this.ctx.store.accounts.byId(c.accountId))?.address ?? null);
        account = accounts.get(c.accountId)!;
      }
      const route = matchRoute(routes, { domain, sender: c.sender, account });
      groups.set(route, [...(groups.get(route) ?? []), c]);
    }
    await Promise.all([...groups].map(([route, list]) => route ? this.deliverByRelay(route, list) : this.deliverByMx(domain, list)));
  }

  private async deliverByRelay(route: RouteConfig, claimed: ClaimedRecipient[]): Promise<void> {
    let target;
    try {
      target = await resolveRelay(route, this.ctx.resolver);
    } catch (err) {
      const reply = err instanceof RouteUnavailable ? err.message : `local error: ${(err as Error).message}`;
      return this.settle(claimed.map((c) => ({ claimed: c, kind: 'temporary' as const, reply })));
    }
    await this.attemptHosts([{ name: target.host, preference: 0, addresses: target.addresses }], claimed, {
      port: target.port, requireTls: false, tlsMode: target.tls, auth: target.auth, ca: target.ca ?? this.opts.ca, label: routeLabel(route),
    });
  }

  private async deliverByMx(domain: string, claimed: ClaimedRecipient[]): Promise<void> {
    const { config, resolver } = this.ctx;
    let route;
    try {
      route = await resolveRoute(domain, { resolver, allowPrivate: config.testing.allow_private_mx, ownAddresses: this.own, random: this.opts.random });
    } catch (err) {
      const reply = err instanceof DnsTemporaryError ? `DNS: ${err.message}` : `local error: ${(err as Error).message}`;
      return this.settle(claimed.map((c) => ({ claimed: c, kind: 'temporary' as const, reply })));
    }
    if (route.kind === 'permanent') {
      return this.settle(claimed.map((c) => ({ claimed: c, kind: 'permanent' as const, reply: `${route.status} ${route.reason}` })));
    }
    const policy = await this.policies.policyFor(domain);
    const hosts = route.hosts.filter((h) => mxPermitted(policy, h.name));
    if (hosts.length === 0) {
      return this.settle(claimed.map((c) => ({ claimed: c, kind: 'temporary' as const, reply: `MTA-STS: no MX of ${domain} matches its policy` })));
    }
    await this.attemptHosts(hosts, claimed, {
      port: config.testing.remote_smtp_port, requireTls: tlsRequired(policy), ca: this.opts.ca,
      onHostResult: (host, address, result) => this.tlsResults.note(this.ctx.clock.now(), domain, policy, host, address, result),
    });
  }

  /** Dials `hosts` in order until every message is answered; what is left is deferred (or failed when every host refused service). */
  private async attemptHosts(hosts: DeliveryHost[], claimed: ClaimedRecipient[], via: Pick<HostAttempt, 'port' | 'requireTls' | 'tlsMode' | 'auth' | 'ca'> & {
    label?: string; onHostResult?: (host: string, address: string, result: HostResult) => void;
  }): Promise<void> {
    const { config } = this.ctx;
    const byMessage = new Map<string, ClaimedRecipient[]>();
    for (const c of claimed) {
      const key = String(c.messageId);
      const list = byMessage.get(key) ?? [];
      list.push(c);
      byMessage.set(key, list);
    }
    let remaining = [...byMessage.keys()];
    let lastError = via.label ? `${via.label} could not be reached` : 'no MX host could be reached';
    let allRefused = true;
    let lastHost: string | undefined;
    for (const host of hosts) {
      for (const address of host.addresses) {
        if (remaining.length === 0) break;
        const messages: OutboundMessage[] = remaining.map((key) => {
          const rcpts = byMessage.get(key)!;
          return { key, from: rcpts[0]!.sender, recipients: rcpts.map((r) => r.recipient), load: () => this.ctx.store.contents.full(rcpts[0]!.contentId) };
        });
        // Each message's outcome is recorded as soon as the remote answers it.
        const settled: Promise<void>[] = [];
        const result = await deliverToHost({
          hostname: host.name, address, port: via.port, helo: config.hostname,
          requireTls: via.requireTls, tlsMode: via.tlsMode, auth: via.auth, ca: via.ca,
          connectTimeoutMs: config.queue.connect_timeout_s * 1000, socketTimeoutMs: config.queue.command_timeout_s * 1000,
          onOutcome: (key, outcomes) => {
            const rcpts = byMessage.get(key)!;
            const items = outcomes.flatMap((o: RecipientOutcome) => {
              const claimedRcpt = rcpts.find((r) => r.recipient === o.recipient);
              return claimedRcpt ? [{ claimed: claimedRcpt, kind: o.kind, reply: o.reply, host: host.name, relay: !!via.label }] : [];
            });
            settled.push(this.settle(items));
          },
        }, messages);
        await Promise.all(settled);
        via.onHostResult?.(host.name, address, result);
        remaining = result.notAttempted;
        if (result.error) { lastError = `${via.label ? `${via.label} ` : ''}${host.name}[${address}]: ${result.error}`; lastHost = host.name; }
        if (!result.refusedService) allRefused = false;
      }
    }
    if (remaining.length > 0) {
      // RFC 5321 §3.1: a 554 greeting from every host means nobody will take it; otherwise retry.
      const kind = allRefused ? 'permanent' as const : 'temporary' as const;
      await this.settle(remaining.flatMap((key) => byMessage.get(key)!.map((c) => ({ claimed: c, kind, reply: lastError, host: lastHost, relay: !!via.label }))));
    }
  }

  /**
   * Records outcomes, turning temporary ones past the lifetime into failures, and bounces failures.
   * Never rejects: the outcome of a remote reply is decided by that reply alone, whatever fails on
   * our side afterwards (a bounce that cannot be stored, a record() on a full disk).
   */
  private async settle(items: { claimed: ClaimedRecipient; kind: 'delivered' | 'temporary' | 'permanent'; reply: string; host?: string; relay?: boolean }[]): Promise<void> {
    if (items.length === 0) return;
    for (const item of items) this.settledClaims.add(item.claimed);
    const now = this.ctx.clock.now();
    const outcomes: QueueOutcome[] = [];
    const failures: Failure[] = [];
    const delays: Failure[] = [];
    for (const raw of items) {
      const item = { ...raw, reply: raw.reply.length > REMOTE_REPLY_KEPT_CHARS ? `${raw.reply.slice(0, REMOTE_REPLY_KEPT_CHARS)} [cut]` : raw.reply };
      const c = item.claimed;
      const explained = item.kind === 'delivered' ? null : explainReply(item.reply);
      if (item.kind !== 'delivered' && hasSmtpReply(item.reply)) {
        this.metrics.outboundRejections.inc({ class: explained?.class ?? 'other', destination: destinationOf(item.host, item.relay ?? false) });
      }
      if (item.kind === 'delivered') {
        outcomes.push({ id: c.id, status: 'delivered', reply: item.reply, host: item.host });
        this.metrics.messagesSent.inc();
        continue;
      }
      if (item.kind === 'temporary') {
        const next = nextAttempt({ ...this.retry, lifetimeS: Math.max(0, (c.expiresAt - c.createdAt) / 1000) }, c.createdAt, c.attempts + 1, now, this.opts.random);
        if (next.kind === 'retry') {
          // Greylisting accepts the retry a few minutes later, whatever step the schedule is at.
          const at = explained?.retrySoon ? Math.min(next.at, now + GREYLIST_RETRY_S * 1000) : next.at;
          // One delay notice per recipient once it has waited delay_notice_s (RFC 3464 Action: delayed).
          const noticeAfter = this.ctx.config.queue.delay_notice_s * 1000;
          const notify = noticeAfter > 0 && c.delayNotifiedAt === null && now - c.createdAt >= noticeAfter && shouldBounce(c.sender);
          if (notify) delays.push({ claimed: c, reply: item.reply, host: item.host, expired: false });
          outcomes.push({ id: c.id, status: 'deferred', nextAttemptAt: at, reply: item.reply, host: item.host, ...(notify ? { delayNotified: true } : {}) });
          this.metrics.messagesDeferred.inc();
          continue;
        }
      }
      const reply = item.kind === 'temporary' ? `delivery time expired; last error: ${item.reply}` : item.reply;
      outcomes.push({ id: c.id, status: 'failed', reply, host: item.host });
      failures.push({ claimed: c, reply, host: item.host, expired: item.kind === 'temporary' });
      this.metrics.messagesBounced.inc();
    }
    // Bounce before recording: record() may release the content the DSN quotes. A crash in
    // between re-attempts the recipient (deferred by its lease), which may bounce twice: the
    // safer side of losing a bounce.
    await this.bounce(failures, now, 'failed');
    await this.bounce(delays, now, 'delayed');
    try {
      await this.ctx.store.queue.recordSoon(outcomes, now, QUEUE_RECORD_WINDOW_MS);
    } catch (err) {
      // Nothing was written: each recipient keeps its status and its lease, so it is due again
      // when the lease ends (a delivered one may then go out twice, never zero times).
      this.ctx.log.error({ err, recipients: outcomes.map((o) => o.id) }, 'queue outcomes could not be recorded; they stay due');
      return;
    }
    if (items.some((i) => i.kind !== 'delivered')) this.ctx.log.info({ outcomes: items.map((i) => ({ to: i.claimed.recipient, kind: i.kind, reply: i.reply })) }, 'queue outcomes');
  }

  /**
   * Best effort, one report per message: a bounce ("failed") or a delay notice ("delayed"); one
   * that cannot be built or stored is logged, never thrown.
   */
  private async bounce(failures: Failure[], now: number, action: 'failed' | 'delayed'): Promise<void> {
    const byMessage = new Map<number, Failure[]>();
    for (const f of failures) {
      if (!shouldBounce(f.claimed.sender)) continue;
      byMessage.set(f.claimed.messageId, [...(byMessage.get(f.claimed.messageId) ?? []), f]);
    }
    for (const list of byMessage.values()) {
      const c = list[0]!.claimed;
      try {
        await this.bounceOne(c, list, now, action);
      } catch (err) {
        this.ctx.log.error({ err, sender: c.sender, message: c.messageId }, 'bounce could not be delivered');
      }
    }
  }

  private async bounceOne(c: ClaimedRecipient, list: Failure[], now: number, action: 'failed' | 'delayed'): Promise<void> {
    const full = await this.ctx.store.contents.full(c.contentId);
    const dsnFailures: FailedRecipient[] = list.map((f) => ({
      // RFC 3463 §3.5: X.4.7 is "delivery time expired". A delay keeps the reply's 4.x.x
      // (RFC 3464 §2.3.4: a transient status); a failure is 5.x.x.
      recipient: f.claimed.recipient,
      status: action === 'delayed' ? statusFromReply(f.reply).replace(/^5/, '4') : f.expired ? '5.4.7' : statusFromReply(f.reply).replace(/^4/, '5'),
      diagnostic: /^\d{3}[ -]/.test(f.reply) ? `smtp; ${f.reply}` : `x-postern; ${f.reply}`, remoteMta: f.host, lastAttemptAt: now,
      advice: adviceOf(f.reply),
    }));
    const dsn = buildDsn({
      hostname: this.ctx.config.hostname, sender: c.sender, originalHeaders: headerSection(full),
      arrivalDate: c.createdAt, now, failures: dsnFailures, action, willRetryUntil: c.expiresAt,
    });
    if (Srs.isSrs(c.sender)) {
      // A forward that failed: the DSN goes to the original sender the SRS address encodes.
      await this.bounceForwarded(c.sender, dsn);
      return;
    }
    const target = await resolveRecipient(this.ctx.store, c.sender);
    if (target.kind !== 'local' || target.accountIds.length === 0) {
      this.ctx.log.warn({ sender: c.sender }, 'cannot bounce: the sender is not a local mailbox');
      return;
    }
    // A bounce is stored even over quota (as Postfix does): the sender must learn of the failure.
    await deliver(this.ctx.store, { raw: dsn, recipients: target.accountIds.map((accountId) => ({ accountId })), ignoreQuota: true });
    this.metrics.messagesReceived.inc({ source: 'dsn' });
  }

  private async bounceForwarded(sender: string, dsn: Buffer): Promise<void> {
    let original: string;
    try {
      original = srsFor(this.ctx.config.data_dir).reverse(sender, this.ctx.clock.now());
    } catch (err) {
      this.ctx.log.warn({ sender, err: (err as Error).message }, 'cannot bounce a forward: the SRS sender does not verify');
      return;
    }
    // Local senders get it in their mailbox, remote ones through the queue, from <> (never bounced again).
    await queueGenerated(this.ctx.store, outboundServicesOf(this.ctx), dsn, this.ctx.config.hostname, original, null);
    this.metrics.messagesReceived.inc({ source: 'dsn' });
  }
}
