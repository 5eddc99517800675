// The PostgreSQL engine's spam area (the interface is Spam in src/store/api.ts).
import type { Spam } from '../api.ts';
import type { ExplainRow, OutboundCaps, OutboundDecision, PendingTraining, ReputationRow, Signal, SpamClass, TokenCounts } from '../spam.ts';
import type { PgContext } from './context.ts';
import { notBuilt } from './not-built.ts';

export class PgSpam implements Spam {
  private readonly ctx: PgContext;

  constructor(ctx: PgContext) {
    this.ctx = ctx;
  }

  onFiled(listener: () => void): () => void {
    throw notBuilt('spam.onFiled');
  }

  async pending(limit: number): Promise<PendingTraining[]> {
    throw notBuilt('spam.pending');
  }

  async textOf(contentId: number, rawBytes: number): Promise<{ headerText: string; searchText: string; head: Buffer; } | null> {
    throw notBuilt('spam.textOf');
  }

  async cancelFiling(p: PendingTraining): Promise<void> {
    throw notBuilt('spam.cancelFiling');
  }

  async applyTraining(p: PendingTraining, to: SpamClass | null, tokens: readonly number[]): Promise<void> {
    throw notBuilt('spam.applyTraining');
  }

  async tokenCounts(accountId: number, tokens: readonly number[]): Promise<TokenCounts> {
    throw notBuilt('spam.tokenCounts');
  }

  async reputation(accountId: number, signals: readonly Signal[], from: string | null): Promise<ReputationRow[]> {
    throw notBuilt('spam.reputation');
  }

  async hasHamFrom(accountId: number, domain: string): Promise<boolean> {
    throw notBuilt('spam.hasHamFrom');
  }

  async totals(accountId: number): Promise<{ ham: number; spam: number; }> {
    throw notBuilt('spam.totals');
  }

  async explain(accountId: number, messageId: string): Promise<ExplainRow[]> {
    throw notBuilt('spam.explain');
  }

  async signalsOf(accountId: number, contentId: number): Promise<Signal[]> {
    throw notBuilt('spam.signalsOf');
  }

  async rejectsMailbox(accountId: number): Promise<number> {
    throw notBuilt('spam.rejectsMailbox');
  }

  async expireRejects(before: number, limit: number): Promise<number> {
    throw notBuilt('spam.expireRejects');
  }

  async countOutbound(accountId: number, recipients: readonly string[], caps: OutboundCaps): Promise<OutboundDecision> {
    throw notBuilt('spam.countOutbound');
  }

  async greylistPasses(accountId: number, triplet: string, delayMs: number, keepMs: number): Promise<boolean> {
    throw notBuilt('spam.greylistPasses');
  }
}
