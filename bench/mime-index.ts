// Measures indexMessage throughput on a 4 KiB text message and a 100 KiB
// multipart message with an attachment; prints messages/s. indexMessage is
// synchronous, so ms/msg is also how long each call holds the event loop.
// Run: node bench/mime-index.ts
import { indexMessage } from '../src/mime/index.ts';

const header = [
  'Received: from mx.example.net (mx.example.net [192.0.2.1]) by mail.example.com with ESMTPS id abc; Mon, 3 Mar 2025 12:00:00 +0000',
  'From: "Example Sender" <sender@example.net>',
  'To: Recipient One <one@example.com>, two@example.com',
  'Subject: =?UTF-8?Q?Quarterly_r=C3=A9port?=',
  'Date: Mon, 3 Mar 2025 12:00:00 +0000',
  'Message-ID: <bench-1@example.net>',
  'MIME-Version: 1.0',
].join('\r\n');

const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';

function textMessage(size: number): Buffer {
  const h = header + '\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  return Buffer.from(h + line.repeat(Math.ceil((size - h.length) / line.length)));
}

function multipartMessage(size: number): Buffer {
  const b64 = Buffer.alloc(Math.floor(size * 0.7)).fill(7).toString('base64').replace(/.{76}/g, '$&\r\n');
  const text = line.repeat(40);
  return Buffer.from(
    header +
      '\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\n' +
      'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
      text + '\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>' + text + '</p></body></html>\r\n--alt--\r\n' +
      '--outer\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment; filename="report.pdf"\r\n' +
      'Content-Transfer-Encoding: base64\r\n\r\n' + b64 + '\r\n--outer--\r\n',
  );
}

function run(name: string, raw: Buffer, seconds: number): void {
  for (let i = 0; i < 200; i++) indexMessage(raw);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    indexMessage(raw);
    n++;
  }
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(24)} ${String(raw.length).padStart(8)} B  ${Math.round((n * 1000) / ms).toString().padStart(8)} msg/s  ${(ms / n).toFixed(3).padStart(8)} ms/msg`,
  );
}

console.log('message                     size         rate      per message');
run('text/plain 4 KiB', textMessage(4096), 2);
run('multipart 100 KiB', multipartMessage(100 * 1024), 2);
