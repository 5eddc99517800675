import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autodiscoverRequestAddress, buildAutoconfigXml, buildAutodiscoverXml } from '../../../src/http/autoconfig.ts';
import { parseXml, readThunderbirdConfig } from '../../fixtures/thunderbird-autoconfig.ts';

const services = { imaps: 993, pop3s: 995, submissions: 465, submission: 587 };

test('the autoconfig document passes every rule of Thunderbird\'s reader, with each server right', () => {
  const config = readThunderbirdConfig(buildAutoconfigXml({ hostname: 'mail.example.com', domain: 'example.com', emailAddress: 'alice@example.com', services }));
  assert.equal(config.id, 'example.com');
  assert.deepEqual(config.domains, ['example.com']);
  assert.deepEqual(config.incoming.map((s) => [s.type, s.hostname, s.port, s.socketType, s.auth, s.username]), [
    ['imap', 'mail.example.com', 993, 'SSL', 'password-cleartext', 'alice@example.com'],
    ['pop3', 'mail.example.com', 995, 'SSL', 'password-cleartext', 'alice@example.com'],
  ]);
  assert.deepEqual(config.outgoing.map((s) => [s.type, s.port, s.socketType, s.username]), [
    ['smtp', 465, 'SSL', 'alice@example.com'],
    ['smtp', 587, 'STARTTLS', 'alice@example.com'],
  ]);
});

test('without an address the document uses Thunderbird\'s %EMAILADDRESS% placeholder', () => {
  const config = readThunderbirdConfig(buildAutoconfigXml({ hostname: 'mail.example.com', domain: 'example.com', services }));
  assert.ok(config.incoming.every((s) => s.username === '%EMAILADDRESS%'));
  assert.ok(config.outgoing.every((s) => s.username === '%EMAILADDRESS%'));
});

test('values are XML-escaped, so a hostile address cannot inject elements', () => {
  const xml = buildAutoconfigXml({ hostname: 'mail.example.com', domain: 'example.com', emailAddress: 'a<b>&"@example.com', services });
  const config = readThunderbirdConfig(xml);
  assert.equal(config.incoming[0]!.username, 'a<b>&"@example.com');
  assert.doesNotMatch(xml, /a<b>/);
});

test('services that are off are left out; STARTTLS-only IMAP is described as such', () => {
  const config = readThunderbirdConfig(buildAutoconfigXml({ hostname: 'mx.example.org', domain: 'example.org', services: { imap: 143, submission: 587 } }));
  assert.deepEqual(config.incoming.map((s) => [s.type, s.port, s.socketType]), [['imap', 143, 'STARTTLS']]);
  assert.deepEqual(config.outgoing.map((s) => [s.port, s.socketType]), [[587, 'STARTTLS']]);
});

test('the reader used above does reject what Thunderbird rejects', () => {
  const good = buildAutoconfigXml({ hostname: 'mail.example.com', domain: 'example.com', services });
  assert.throws(() => readThunderbirdConfig(good.replace(/<socketType>SSL<\/socketType>/g, '<socketType>TLS</socketType>').replace(/<socketType>STARTTLS<\/socketType>/g, '')), /socketType/);
  assert.throws(() => readThunderbirdConfig(good.replace(/<domain>.*<\/domain>/, '')), /domain/);
  assert.throws(() => readThunderbirdConfig(good.replace(/password-cleartext/g, 'magic')), /authentication/);
  assert.throws(() => readThunderbirdConfig(good.replace('<port>993</port>', '<port>0</port>')), /port/);
});

test('autodiscover answers Outlook with one protocol per type and the login name', () => {
  assert.equal(autodiscoverRequestAddress('<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>bob@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'), 'bob@example.com');
  assert.equal(autodiscoverRequestAddress('<Autodiscover/>'), undefined);
  const doc = parseXml(buildAutodiscoverXml({ hostname: 'mail.example.com', domain: 'example.com', emailAddress: 'bob@example.com', services }));
  assert.equal(doc.name, 'Autodiscover');
  const account = doc.children[0]!.children.find((c) => c.name === 'Account')!;
  const protocols = account.children.filter((c) => c.name === 'Protocol').map((p) => Object.fromEntries(p.children.map((c) => [c.name, c.text])));
  assert.deepEqual(protocols.map((p) => [p.Type, p.Server, p.Port, p.SSL, p.LoginName]), [
    ['IMAP', 'mail.example.com', '993', 'on', 'bob@example.com'],
    ['POP3', 'mail.example.com', '995', 'on', 'bob@example.com'],
    ['SMTP', 'mail.example.com', '465', 'on', 'bob@example.com'],
  ]);
});
