// bench/sieve (issue 17): what Sieve costs at delivery. Compile time of a realistic filter set
// (30 rules over headers, addresses, body, regex, variables, flags), run time of that script per
// message, and the worst case a hostile script can reach (a catastrophic-backtracking regex on a
// 256 KiB header, which the Pike VM matches in linear time or stops at the step budget). Prints a
// table. Not a CI test.
//   node bench/sieve.ts [--runs 2000]
import { compileScript } from '../src/sieve/compile.ts';
import { runSieve } from '../src/sieve/interpreter.ts';
import { SieveMessage } from '../src/sieve/message.ts';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 2000) || 2000;

const rules = Array.from({ length: 30 }, (_, i) => {
  switch (i % 6) {
    case 0: return `if header :contains "list-id" "list${i}.example.org" { fileinto :create "Lists/${i}"; stop; }`;
    case 1: return `if address :domain :is "from" "sender${i}.example.com" { addflag "\\\\Flagged"; }`;
    case 2: return `if header :regex "subject" "^\\\\[(ticket|case)-${i}[0-9]+\\\\]" { set "t" "\${1}"; fileinto "Tickets/\${t}"; }`;
    case 3: return `if body :text :contains "unsubscribe ${i}" { fileinto "Bulk"; }`;
    case 4: return `if header :matches "subject" "*invoice ${i}*" { fileinto "Invoices"; }`;
    default: return `if envelope :detail "to" "tag${i}" { fileinto "Tags/${i}"; }`;
  }
});
const script = `require ["fileinto", "mailbox", "imap4flags", "regex", "variables", "body", "envelope", "subaddress"];\n${rules.join('\n')}\n`;
const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(160);
const raw = Buffer.from(`From: Someone <someone@example.net>\r\nTo: bob@example.com\r\nSubject: [support] question about the release\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <b@example.net>\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`);

const hooks = { mailboxExists: async () => true, duplicateSeen: async () => false };
const input = (message: SieveMessage) => ({
  message, envelope: { from: 'someone@example.net', to: 'bob@example.com' }, userAddresses: ['bob@example.com'], environment: {},
  now: Date.now(), zoneMinutes: 0, hooks,
});

function time(label: string, n: number, work: () => unknown): [string, string, string] {
  const start = performance.now();
  for (let i = 0; i < n; i++) work();
  const ms = (performance.now() - start) / n;
  return [label, ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`, `${Math.round(1000 / ms)}/s`];
}

async function timeAsync(label: string, n: number, work: () => Promise<unknown>): Promise<[string, string, string]> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await work();
  const ms = (performance.now() - start) / n;
  return [label, ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`, `${Math.round(1000 / ms)}/s`];
}

const compiled = compileScript(script);
const rows: [string, string, string][] = [];
rows.push(time(`compile a ${rules.length}-rule script (${script.length} bytes)`, runs, () => compileScript(script)));
rows.push(await timeAsync(`run it on a ${(raw.length / 1024).toFixed(0)} KiB message (parse included)`, runs, () => runSieve(compiled, input(new SieveMessage(raw)))));
const hostileMessage = new SieveMessage(Buffer.from(`Subject: ${'a'.repeat(256 * 1024)}\r\n\r\n`));
const hostile = compileScript('require "regex"; if header :regex "subject" "^(a|a)*(a*)*b$" { keep; }');
rows.push(await timeAsync('hostile regex (a|a)*(a*)*b on a 256 KiB header', 3, () => runSieve(hostile, input(hostileMessage)).catch((e: Error) => e)));

const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), ['what', 'per run', 'rate'][c]!.length));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(['what', 'per run', 'rate']));
for (const r of rows) console.log(line(r));
