// bench/inbound-parse: the CPU port 25 spends reading a message's header and parsing it, per
// message, in process (no sockets, no store), so the figure is not lost in the noise of a loaded
// machine. "one read, one parse" is what finishTransaction does (src/smtp/inbound-transaction.ts):
// readMessageHeader once, forged fields removed in one pass, indexMessage once, the stored index
// derived with indexBehindPrefix. "four reads, two parses" repeats the steps the transaction took
// before, with the same primitives: a header split for the loop count and one for the From:
// domains, a lenient read and a copy for each of the two forged-field removals, a parse for the spam
// filter and a copy of prefix + raw parsed again for the stored index. Prints a table.
//   node bench/inbound-parse.ts [--rounds 3000]
import { readMessageHeader, splitHeaderFields, withoutFields } from '../src/mime/header-fields.ts';
import { indexBehindPrefix, indexMessage } from '../src/mime/index.ts';
import { isLooping } from '../src/smtp/loop-detection.ts';
import { fromAddresses } from '../src/smtp/submission-policy.ts';
import { forgedResults } from '../src/email-auth/authentication-results.ts';
import { ownSpamFields } from '../src/spam/own-headers.ts';
import { contentIndexOf } from '../src/delivery/deliver.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const ROUNDS = opt('rounds', 3000);
const HOST = 'mx.bench.test';

const trace = 'Received: from relay.example.test (relay.example.test [192.0.2.9])\r\n\tby mx.example.test with ESMTPS id abc; Tue, 1 Dec 2026 19:00:00 +0000\r\n'.repeat(4);
const head = `${trace}From: "Load" <load@example.test>\r\nTo: <user@example.test>\r\nSubject: bench\r\nDate: Tue, 1 Dec 2026 19:00:00 +0000\r\nMessage-ID: <bench@example.test>\r\nMIME-Version: 1.0\r\n`;
const plain = Buffer.from(`${head}\r\n${('x'.repeat(76) + '\r\n').repeat(52)}`);
const attachment = Buffer.from(`${head}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${'words of text here '.repeat(200)}\r\n--b\r\n` +
  `Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${('QUJD'.repeat(19) + '\r\n').repeat(1300)}--b--\r\n`);
const prefix = Buffer.from('Authentication-Results: mx.bench.test;\r\n\tspf=pass smtp.mailfrom=load@example.test;\r\n\tdkim=none\r\n' +
  'X-Spam-Score: 0.0 (inbox)\r\nX-Spam-Reasons: classifier +0.0\r\nReceived: from client.example.test ([192.0.2.1])\r\n\tby mx.bench.test (Postern) with ESMTP id 0123456789abcdef; Tue, 1 Dec 2026 19:00:00 +0000\r\n');

function oneRead(raw: Buffer): unknown {
  const header = readMessageHeader(raw);
  isLooping(header, 100);
  fromAddresses(raw, header);
  const stored = withoutFields(raw, [...forgedResults(raw, header, HOST), ...ownSpamFields(header)].sort((a, b) => a.start - b.start));
  const parsed = indexMessage(stored);
  return contentIndexOf([prefix, stored], indexBehindPrefix(parsed, stored, prefix));
}

function fourReads(raw: Buffer): unknown {
  isLooping(splitHeaderFields(raw), 100);
  fromAddresses(raw);
  const once = withoutFields(raw, forgedResults(raw, readMessageHeader(raw), HOST));
  const stored = withoutFields(once, ownSpamFields(readMessageHeader(once)));
  indexMessage(stored);
  return contentIndexOf(Buffer.concat([prefix, stored]));
}

function perMessageUs(work: (raw: Buffer) => unknown, raw: Buffer): number {
  for (let i = 0; i < Math.min(200, ROUNDS); i++) work(raw);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) work(raw);
  return Number(process.hrtime.bigint() - started) / 1e3 / ROUNDS;
}

console.log('| message | size | four reads, two parses (µs/msg) | one read, one parse (µs/msg) | saved |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, raw] of [['plain text', plain], ['text + base64 attachment', attachment]] as const) {
  // Interleaved, so a change in the machine's load falls on both.
  let before = 0;
  let after = 0;
  for (let round = 0; round < 3; round++) {
    before += perMessageUs(fourReads, raw);
    after += perMessageUs(oneRead, raw);
  }
  console.log(`| ${name} | ${(raw.length / 1024).toFixed(1)} KiB | ${(before / 3).toFixed(1)} | ${(after / 3).toFixed(1)} | ${(100 * (1 - after / before)).toFixed(0)}% |`);
}
