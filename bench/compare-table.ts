// The table bench/compare prints: reads the "label json" lines ../shared/peers/side_by_side.sh
// wrote for one run and, for each load both sides ran, gives Postern's and the peer's median
// [min..max], the ratio (always > 1 when Postern is better, whichever way the unit points), and the
// server's CPU seconds and peak memory where the driver measured them. Markdown, so README.md can
// carry it as printed. Rows whose runs are missing are left out.
//   node bench/compare-table.ts RESULTS.jsonl...
import fs from 'node:fs';

type Run = Record<string, any>;
interface Row {
  what: string;
  postern: RegExp;
  peer: RegExp;
  peerName: string;
  value: (r: Run) => number | undefined;
  higherIsBetter: boolean;
  unit: string;
  cpu?: (r: Run) => number | undefined;
  /** Peak memory in MB: RSS, and PSS where shared pages make RSS overstate a process tree. */
  mem?: (r: Run) => { rss?: number; pss?: number } | undefined;
}

const measured = { cpu: (r: Run) => r.m?.server_tree_cpu_s, mem: (r: Run) => ({ rss: r.m?.peak_tree_rss_MB, pss: r.m?.peak_tree_pss_MB }) };
const mb = (kb: number | undefined) => (kb === undefined ? undefined : kb / 1024);
const step = (name: string) => ({
  value: (r: Run) => r.steps?.[name]?.wall_s,
  cpu: (r: Run) => r.steps?.[name]?.server_cpu_s,
  mem: (r: Run) => ({ rss: mb(r.server_mem_before_logout?.rss_kb), pss: mb(r.server_mem_before_logout?.pss_kb) }),
});

const ROWS: Row[] = [
  { what: 'SMTP inbound, 20 sessions × 4 KiB, new connection per message', postern: /^postern-smtp25-4k-newconn$/, peer: /^postfix-maildir-4k-newconn$/,
    peerName: 'Postfix → Maildir', value: (r) => r.accept_msgs_per_s, higherIsBetter: true, unit: 'msg/s', ...measured },
  { what: 'SMTP inbound, the same, reused connections (-d)', postern: /^postern-smtp25-4k-reuse$/, peer: /^postfix-maildir-4k-reuse$/,
    peerName: 'Postfix → Maildir', value: (r) => r.accept_msgs_per_s, higherIsBetter: true, unit: 'msg/s', ...measured },
  { what: 'Relay 4 KiB end to end (Postern: STARTTLS+AUTH, DKIM RSA+Ed25519)', postern: /^postern-relay-dkim-sink-4k$/, peer: /^postfix-relay-sink-4k$/,
    peerName: 'Postfix relay (unsigned)', value: (r) => r['end-to-end msgs/s (accepted → sink)'] ?? r.end_to_end_msgs_per_s, higherIsBetter: true, unit: 'msg/s',
    cpu: (r) => (r.m ? r.m.server_tree_cpu_s : (r['server CPU ms per message'] * r.messages) / 1000),
    mem: (r) => (r.m ? measured.mem(r) : { rss: Number(r['peak RSS (MiB)']) }) },
  ...([
    ['login_select', 'LOGIN+SELECT'], ['uid_fetch_flags', 'UID FETCH 1:* (FLAGS)'], ['fetch_env_bs', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE)'],
    ['fetch_bodies', 'FETCH 1:* BODY.PEEK[]'], ['search_header', 'UID SEARCH HEADER'], ['search_body_miss', 'UID SEARCH BODY (miss)'],
    ['store_add', 'STORE 1:* +FLAGS'], ['store_remove', 'STORE 1:* -FLAGS'],
  ] as const).map(([name, label]): Row => ({
    what: `IMAP 100,000 messages: ${label}`, postern: /^postern-imap-u100k-warm$/, peer: /^dovecot-imap-u100k-warm$/,
    peerName: 'Dovecot', higherIsBetter: false, unit: 's', ...step(name),
  })),
  { what: 'POP3 first login on 10,000 messages (USER+PASS)', postern: /^postern-pop3-u10k-first$/, peer: /^dovecot-pop3-u10k-first$/,
    peerName: 'Dovecot', value: (r) => r.steps?.connect_login?.wall_s, higherIsBetter: false, unit: 's', cpu: (r) => r.steps?.connect_login?.server_cpu_s },
  { what: 'POP3 RETR of 10,000 messages', postern: /^postern-pop3-u10k$/, peer: /^dovecot-pop3-u10k$/,
    peerName: 'Dovecot', value: (r) => r.steps?.retr_all?.msgs_per_s, higherIsBetter: true, unit: 'msg/s',
    cpu: (r) => r.steps?.retr_all?.server_cpu_s, mem: (r) => ({ rss: mb(r.server_mem_before_quit?.rss_kb), pss: mb(r.server_mem_before_quit?.pss_kb) }) },
  { what: 'APPEND from one imaplib connection', postern: /^postern-append-\d+$/, peer: /^dovecot-append-\d+$/,
    peerName: 'Dovecot', value: (r) => r.appends_per_s, higherIsBetter: true, unit: 'msg/s' },
  { what: 'imaptest, 10 clients, logout=0', postern: /^imaptest-postern$/, peer: /^imaptest-dovecot$/,
    peerName: 'Dovecot', value: (r) => r.cmds_per_s, higherIsBetter: true, unit: 'cmds/s' },
  { what: 'imaptest errors', postern: /^imaptest-postern$/, peer: /^imaptest-dovecot$/,
    peerName: 'Dovecot', value: (r) => r.errors, higherIsBetter: false, unit: 'errors' },
  { what: 'IDLE sessions: memory per session', postern: /^postern-idle-\d+$/, peer: /^dovecot-idle-\d+$/,
    peerName: 'Dovecot', value: (r) => r.pss_kb_per_session, higherIsBetter: false, unit: 'KB PSS' },
  { what: 'IDLE sessions: new-mail fan-out, slowest session', postern: /^postern-idle-\d+$/, peer: /^dovecot-idle-\d+$/,
    peerName: 'Dovecot', value: (r) => r.notify?.max_ms, higherIsBetter: false, unit: 'ms' },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(x: number): string {
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toPrecision(2).replace(/\.?0+$/, (t) => (t.includes('.') ? '' : t));
}

function spread(xs: number[]): string {
  if (xs.length === 0) return '–';
  return xs.length === 1 ? fmt(xs[0]!) : `${fmt(median(xs))} [${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))}]`;
}

function values(runs: Run[], f: ((r: Run) => number | undefined) | undefined): number[] {
  if (!f) return [];
  return runs.map((r) => { try { return f(r); } catch { return undefined; } }).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

const runs: { label: string; data: Run }[] = [];
for (const file of process.argv.slice(2)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+) (\{.*\})\s*$/.exec(line);
    if (!m) continue;
    try {
      runs.push({ label: m[1]!, data: JSON.parse(m[2]!) });
    } catch { /* a line that is not one JSON object is a driver's log line */ }
  }
}

console.log('| measure | Postern median [min..max] | peer median [min..max] | Postern / peer (>1 = Postern better) | server CPU s, Postern / peer | peak memory MB, Postern / peer |');
console.log('|---|---|---|---|---|---|');
for (const row of ROWS) {
  const p = runs.filter((r) => row.postern.test(r.label)).map((r) => r.data);
  const q = runs.filter((r) => row.peer.test(r.label)).map((r) => r.data);
  const pv = values(p, row.value);
  const qv = values(q, row.value);
  if (pv.length === 0 && qv.length === 0) continue;
  const ratio = pv.length && qv.length
    ? (row.higherIsBetter ? median(pv) / median(qv) : median(qv) / Math.max(median(pv), 1e-9))
    : NaN;
  const ratioText = Number.isNaN(ratio) ? '–' : row.unit === 'errors' ? `${fmt(median(pv))} vs ${fmt(median(qv))}` : `${ratio.toFixed(2)}×`;
  const cpu = [values(p, row.cpu), values(q, row.cpu)].map((xs) => (xs.length ? fmt(median(xs)) : '–')).join(' / ');
  const mem = [p, q].map((rs) => {
    const rss = values(rs, (r) => row.mem?.(r)?.rss);
    const pss = values(rs, (r) => row.mem?.(r)?.pss);
    if (!rss.length) return '–';
    return `${fmt(Math.max(...rss))}${pss.length ? ` (PSS ${fmt(Math.max(...pss))})` : ''}`;
  }).join(' / ');
  console.log(`| ${row.what} (${row.unit}; peer: ${row.peerName}) | ${spread(pv)} | ${spread(qv)} | ${ratioText} | ${cpu} | ${mem} |`);
}
console.log(`\n${runs.length} runs read from ${process.argv.slice(2).join(', ')}; load generators and servers share this machine's ${(await import('node:os')).cpus().length} cores.`);
