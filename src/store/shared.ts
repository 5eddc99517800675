// Shared state's engine-neutral part (src/store/api.ts SharedState): the counter buckets and the
// lease book a node keeps, whichever engine holds the rows. What must stay true: a held lease is
// renewed by its node until released and expires SHARED_LEASE_TTL_MS after its node stopped
// renewing; a counter counts what was added within its window, to one bucket's precision.
import crypto from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Lease } from './api.ts';
import { SHARED_COUNTER_BUCKETS, SHARED_LEASE_RENEW_MS, SHARED_LEASE_TTL_MS } from '../limits.ts';

/** Where a counter add for `windowMs` at `now` goes, and until when that bucket counts. */
export function counterBucket(windowMs: number, now: number): { bucket: number; expiresAt: number } {
  const size = Math.max(1, Math.floor(windowMs / SHARED_COUNTER_BUCKETS));
  const bucket = Math.floor(now / size) * size;
  return { bucket, expiresAt: bucket + size + windowMs };
}

/** What an engine does for the leases of one node. */
export interface LeaseEngine {
  /** Inserts the holder's lease unless `capacity` unexpired ones exist; true when inserted. */
  take(name: string, holder: string, node: string, capacity: number, now: number, expiresAt: number): Promise<boolean>;
  drop(name: string, holder: string): Promise<void>;
  /** Extends every unexpired lease of the node (one statement) and deletes expired rows of all tables. */
  renew(node: string, now: number, expiresAt: number): Promise<void>;
  dropNode(node: string): Promise<void>;
}

/**
 * The leases this node holds, whichever engine: a holder id per lease, one renewal timer for all
 * of them while any is held (one statement per SHARED_LEASE_RENEW_MS, not one per lease), and on
 * close the node's leases are deleted so a clean shutdown frees them at once. A release the store
 * refused (a full disk, a lost connection) is retried before this node's next acquire and at each
 * renewal, so the place comes back as soon as the store writes again, not only at the lease's end.
 */
export class LeaseBook {
  readonly node = crypto.randomUUID();
  private readonly engine: LeaseEngine;
  private readonly clock: Clock;
  private held = 0;
  private serial = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  /** Released leases whose row the store did not delete yet: holder → name. */
  private readonly unreleased = new Map<string, string>();

  constructor(engine: LeaseEngine, clock: Clock) {
    this.engine = engine;
    this.clock = clock;
  }

  async acquire(name: string, capacity: number): Promise<Lease | null> {
    if (this.unreleased.size > 0) await this.retryReleases();
    const holder = `${this.node}/${++this.serial}`;
    const now = this.clock.now();
    if (!await this.engine.take(name, holder, this.node, capacity, now, now + SHARED_LEASE_TTL_MS)) return null;
    this.held++;
    this.startRenewing();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.held--;
        try {
          await this.engine.drop(name, holder);
        } catch (err) {
          this.unreleased.set(holder, name);
          throw err;
        } finally {
          if (this.held === 0 && this.unreleased.size === 0) this.stopRenewing();
        }
      },
    };
  }

  /** Renews now (the timer's work; tests call it to stand for time passing). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      if (this.unreleased.size > 0) await this.retryReleases();
      const now = this.clock.now();
      await this.engine.renew(this.node, now, now + SHARED_LEASE_TTL_MS);
    })().finally(() => { this.renewing = null; });
    return this.renewing;
  }

  /** Stops renewing; true when the node still held leases (the engine then drops them). */
  stop(): boolean {
    this.stopRenewing();
    const held = this.held > 0 || this.unreleased.size > 0;
    this.held = 0;
    this.unreleased.clear();
    return held;
  }

  async close(): Promise<void> {
    const held = this.stop();
    await this.renewing?.catch(() => {});
    if (held) await this.engine.dropNode(this.node);
  }

  private async retryReleases(): Promise<void> {
    for (const [holder, name] of this.unreleased) {
      try {
        await this.engine.drop(name, holder);
      } catch {
        return;
      }
      this.unreleased.delete(holder);
    }
    if (this.held === 0 && this.unreleased.size === 0) this.stopRenewing();
  }

  private startRenewing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { this.renew().catch(() => {}); }, SHARED_LEASE_RENEW_MS);
    this.timer.unref();
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
