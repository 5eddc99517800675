import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reloadCertificate } from '../../../src/tls/reload.ts';
import { createTlsProvider } from '../../../src/tls/provider.ts';
import { acmeFiles } from '../../../src/tls/acme.ts';
import { makeTestCert } from '../../fixtures/tls-cert.ts';
import type { Config } from '../../../src/config/types.ts';

function setup(t: import('node:test').TestContext) {
  const dir = fs.mkdtempSync(os.tmpdir() + '/postern-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = makeTestCert(dir, ['mail.example.test'], 'manual');
  const tls = createTlsProvider(first.certFile, first.keyFile);
  const serial = () => new crypto.X509Certificate(tls.cert()).serialNumber;
  return { dir, first, tls, serial };
}

test('SIGHUP\'s reload re-reads manually managed certificate files', (t) => {
  const { dir, first, tls, serial } = setup(t);
  const before = serial();
  const second = makeTestCert(dir, ['mail.example.test'], 'second');
  fs.copyFileSync(second.certFile, first.certFile);
  fs.copyFileSync(second.keyFile, first.keyFile);
  const config = { data_dir: dir, tls: { acme: false } } as Config;
  assert.equal(reloadCertificate({ config, tls }), first.certFile);
  assert.notEqual(serial(), before);
  assert.equal(serial(), new crypto.X509Certificate(second.cert).serialNumber);

  fs.writeFileSync(first.certFile, 'garbage');
  assert.throws(() => reloadCertificate({ config, tls }));
  assert.equal(serial(), new crypto.X509Certificate(second.cert).serialNumber, 'a broken file keeps the previous certificate');
});

test('with [tls] acme, the ACME certificate wins once it exists', (t) => {
  const { dir, first, tls, serial } = setup(t);
  const config = { data_dir: dir, tls: { acme: true } } as Config;
  assert.equal(reloadCertificate({ config, tls }), first.certFile, 'no ACME certificate yet: the configured files');
  const files = acmeFiles(dir);
  fs.mkdirSync(files.dir, { recursive: true });
  const issued = makeTestCert(files.dir, ['mail.example.test', 'mta-sts.example.test'], 'issued');
  fs.renameSync(issued.certFile, files.cert);
  fs.renameSync(issued.keyFile, files.key);
  assert.equal(reloadCertificate({ config, tls }), files.cert);
  assert.equal(serial(), new crypto.X509Certificate(issued.cert).serialNumber);
  assert.equal(path.basename(tls.certFile), 'manual.crt', 'the provider keeps its configured paths');
});
