// The spam filter as inbound delivery uses it: one message, its recipient accounts, the
// authentication verdict and connection facts in; per account a verdict (score, reasons, action)
// plus the sender signals delivery records with the copy (the trainer tokenizes the stored text
// again). Order (mox's): reputation from the account's own history first; only when it is inconclusive the classifier's content
// score and the DNS lists; connection signals and rspamd add to the score. Always true: every
// lookup goes through the store or the one resolver; a failing DNS list or rspamd is logged and
// counted and changes nothing; the work per message is bounded by src/limits.ts (SPAM_*).
import type { IndexedMessage } from '../mime/index.ts';
import { parseAddressList } from '../mime/address-list.ts';
import { SPAM_MAX_DNS_LISTS, SPAM_URL_SCAN_BYTES } from '../limits.ts';
import type { Config } from '../config/types.ts';
import type { Store } from '../store/api.ts';
import type { Signal } from '../store/spam.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { Logger } from '../log.ts';
import type { AuthVerdict, InboundEnvelope } from '../email-auth/verify.ts';
import type { SpamMetrics } from '../metrics/catalogue.ts';
import { tokenKey, tokensOf } from './tokens.ts';
import { linksToSender } from './links-to-sender.ts';
import { classify, type ClassifierResult } from './classifier.ts';
import { isPublicIp, signalsOf } from './signals.ts';
import { judgeReputation, type ReputationVerdict } from './reputation.ts';
import { lookupList, type ListAnswer } from './dns-lists.ts';
import { parseDnsList, type DnsList } from '../config/dns-list-entry.ts';
import { fcrdnsConfirmed } from './fcrdns.ts';
import { RspamdClient } from './rspamd.ts';
import { combine, type ConnectionSignals, type RspamdResult, type SpamVerdict } from './verdict.ts';

export interface JudgeInput {
  /** The message as it will be stored (incoming X-Spam fields already removed). */
  raw: Buffer;
  /** `raw` parsed (indexMessage(raw)), once for the transaction: delivery stores the same parse. */
  parsed: IndexedMessage;
  accountIds: readonly number[];
  auth: AuthVerdict;
  envelope: InboundEnvelope;
  recipients: readonly string[];
  /** The client talked before the greeting (only known when [spam] early_talker is on). */
  earlyTalker: boolean;
}

export interface AccountJudgement {
  accountId: number;
  verdict: SpamVerdict;
  reputation: ReputationVerdict;
  classifier: ClassifierResult | null;
}

export interface Judgement {
  messageId: string | null;
  /** The From header's address, lowercase. */
  from: string | null;
  signals: Signal[];
  accounts: AccountJudgement[];
}

export interface FilterDeps { config: Config; store: Store; resolver: Resolver; log: Logger; metrics: SpamMetrics }

/** The address of a From value ("Name <a@b>" or "a@b"), lowercase: the first mailbox the parser
 *  that builds IMAP's ENVELOPE reads in it (one address parser for every use). */
export function fromAddressOf(from: string): string | null {
  const mailbox = parseAddressList(from).find((a) => a.mailbox && a.host);
  return mailbox ? `${mailbox.mailbox}@${mailbox.host}`.toLowerCase() : null;
}

export class SpamFilter {
  private readonly deps: FilterDeps;
  private readonly blocklists: DnsList[];
  private readonly allowlists: DnsList[];
  private readonly rspamd: RspamdClient | null;

  constructor(deps: FilterDeps) {
    this.deps = deps;
    const spam = deps.config.spam;
    this.blocklists = spam.dnsbl.slice(0, SPAM_MAX_DNS_LISTS).map(parseDnsList);
    this.allowlists = spam.dnswl.slice(0, SPAM_MAX_DNS_LISTS).map(parseDnsList);
    this.rspamd = spam.rspamd ? new RspamdClient(spam.rspamd) : null;
  }

  async judge(input: JudgeInput): Promise<Judgement> {
    const { config, store } = this.deps;
    const indexed = input.parsed;
    const names = tokensOf({ headerText: indexed.headerText, searchText: indexed.searchText, head: input.raw.subarray(0, SPAM_URL_SCAN_BYTES) });
    const tokens = names.map(tokenKey);
    const from = fromAddressOf(indexed.from);
    const linked = linksToSender(from, names);
    const spfDomain = input.auth.spf === 'pass' ? (input.envelope.mailFrom ? input.envelope.mailFrom.slice(input.envelope.mailFrom.lastIndexOf('@') + 1) : input.envelope.helo) : null;
    const loopbackIsPublic = config.testing.spam_loopback_is_public;
    const signals = signalsOf({ from, dkimPass: input.auth.dkim.filter((d) => d.result === 'pass').map((d) => d.domain), spfPass: spfDomain, ip: input.envelope.ip, loopbackIsPublic });

    const rspamd = this.checkRspamd(input);
    const connection = this.connectionSignals(input);
    const perAccount: { accountId: number; reputation: ReputationVerdict; classifier: ClassifierResult | null }[] = [];
    for (const accountId of input.accountIds) {
      const reputation = judgeReputation(await store.spam.reputation(accountId, signals, from));
      const classifier = reputation.kind === 'inconclusive' ? classify(await store.spam.tokenCounts(accountId, tokens), tokens, config.spam.min_trained) : null;
      perAccount.push({ accountId, reputation, classifier });
    }
    // RFC 5782 lists are consulted only when some recipient's history says nothing (mox does the same):
    // a known correspondent is not judged by a third party.
    const consultLists = perAccount.some((a) => a.reputation.kind === 'inconclusive') && isPublicIp(input.envelope.ip, loopbackIsPublic);
    const [blocklists, allowlists] = consultLists
      ? await Promise.all([this.lookupAll(this.blocklists, 'dnsbl', input.envelope.ip), this.lookupAll(this.allowlists, 'dnswl', input.envelope.ip)])
      : [[], []];
    const rspamdResult = await rspamd;
    const conn = await connection;
    const thresholds = { junk: config.spam.junk_score, reject: config.spam.reject_score };
    const accounts = perAccount.map((a) => ({
      ...a,
      verdict: combine({
        reputation: a.reputation, classifier: a.classifier, linksToSender: linked, connection: conn, rspamd: rspamdResult,
        blocklists: a.reputation.kind === 'inconclusive' ? blocklists : [], allowlists: a.reputation.kind === 'inconclusive' ? allowlists : [],
      }, thresholds),
    }));
    for (const a of accounts) this.deps.metrics.verdicts.inc({ action: a.verdict.action });
    return { messageId: indexed.messageId ? indexed.messageId.trim().replace(/^<|>$/g, '') : null, from, signals, accounts };
  }

  private async lookupAll(lists: DnsList[], kind: 'dnsbl' | 'dnswl', ip: string): Promise<ListAnswer[]> {
    const answers = await Promise.all(lists.map((l) => lookupList(this.deps.resolver, l, ip)));
    for (const a of answers) {
      this.deps.metrics.dnsLists.inc({ list: kind, result: a.kind });
      if (a.kind === 'error') this.deps.log.warn({ zone: a.zone, ip, reason: a.reason }, `${kind} lookup error (not counted as a listing)`);
    }
    return answers;
  }

  private async connectionSignals(input: JudgeInput): Promise<ConnectionSignals> {
    const { spam, hostname } = this.deps.config;
    const helo = input.envelope.helo.trim().toLowerCase();
    const bareIp = /^\[?(?:ipv6:)?[0-9a-f:.]+\]?$/i.test(helo) && /[.:]/.test(helo);
    let noFcrdns = false;
    if (spam.fcrdns_check && isPublicIp(input.envelope.ip, this.deps.config.testing.spam_loopback_is_public)) noFcrdns = (await fcrdnsConfirmed(this.deps.resolver, input.envelope.ip)) === false;
    return {
      earlyTalker: spam.early_talker && input.earlyTalker,
      heloOurs: spam.helo_check && helo === hostname.toLowerCase(),
      heloBareIp: spam.helo_check && bareIp,
      noFcrdns,
    };
  }

  private async checkRspamd(input: JudgeInput): Promise<RspamdResult | null> {
    if (!this.rspamd) return null;
    try {
      const result = await this.rspamd.check(input.raw, {
        ip: input.envelope.ip, helo: input.envelope.helo, mailFrom: input.envelope.mailFrom, recipients: input.recipients, hostname: this.deps.config.hostname,
      });
      this.deps.metrics.rspamd.inc({ kind: 'check', result: 'ok' });
      return result;
    } catch (err) {
      this.deps.metrics.rspamd.inc({ kind: 'check', result: 'error' });
      this.deps.log.warn({ err }, 'rspamd check failed; judged without it');
      return null;
    }
  }
}
