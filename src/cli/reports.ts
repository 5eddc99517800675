// `postern reports dmarc|tls [--domain D] [--days N]`: what receivers reported about our mail.
// dmarc: per domain, reporter and source IP, how many messages passed SPF and DKIM (as evaluated)
// and with alignment (DMARC pass) over the last N days (default 7); tls: per domain, reporter and
// policy type, successful and failed TLS sessions with the failure types (RFC 8460).
import { REPORTS_USAGE } from './usage.ts';
import { flagString, parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { systemClock } from '../clock.ts';

const pct = (n: number, of: number) => (of === 0 ? '-' : `${n} (${Math.round((100 * n) / of)}%)`);

export async function reportsCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { domain: true, days: true });
  const [kind, ...extra] = args.positionals;
  if ((kind !== 'dmarc' && kind !== 'tls') || extra.length > 0) throw new UsageError(`usage: ${REPORTS_USAGE}`);
  const daysText = flagString(args, 'days') ?? '7';
  if (!/^\d{1,4}$/.test(daysText) || Number(daysText) < 1) throw new UsageError('--days takes a number of days from 1 to 9999');
  const domain = flagString(args, 'domain')?.toLowerCase();
  const since = systemClock.now() - Number(daysText) * 86400_000;
  await withStore(args, async (store) => {
    if (kind === 'dmarc') {
      const rows = await store.reports.dmarcSummary(since, domain);
      const text = table(rows.map((r) => ({
        domain: r.domain, reporter: r.reporter, source: r.sourceIp, reports: r.reports, messages: r.messages,
        spf: pct(r.spfPass, r.messages), dkim: pct(r.dkimPass, r.messages), 'spf aligned': pct(r.spfAligned, r.messages),
        'dkim aligned': pct(r.dkimAligned, r.messages), dmarc: pct(r.dmarcPass, r.messages),
      })), ['domain', 'reporter', 'source', 'reports', 'messages', 'spf', 'dkim', 'spf aligned', 'dkim aligned', 'dmarc']);
      const failing = rows.filter((r) => r.dmarcPass < r.messages);
      const hint = failing.length > 0
        ? ['', 'Sources failing DMARC: if an address is yours (or a service sending for you), fix its SPF/DKIM ("postern doctor"); otherwise someone is using your domain and p=quarantine or p=reject stops it.']
        : [];
      emit(o, { days: Number(daysText), rows }, `DMARC aggregate reports, last ${daysText} day(s):\n${text}${hint.join('\n')}`);
    } else {
      const rows = await store.reports.tlsSummary(since, domain);
      const text = table(rows.map((r) => ({
        domain: r.domain, reporter: r.reporter, policy: r.policyType, reports: r.reports, success: r.success, failure: r.failure,
        failures: r.failureTypes.map((f) => `${f.resultType} ${f.count}`),
      })), ['domain', 'reporter', 'policy', 'reports', 'success', 'failure', 'failures']);
      emit(o, { days: Number(daysText), rows }, `TLS reports (RFC 8460), last ${daysText} day(s):\n${text}`);
    }
  });
}
