// `postern sieve` and `postern vacation` end to end: the real binary on a real store (the run's engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTestInstance, cli, addUser } from '../fixtures/postern.ts';

test('sieve put/list/get/activate/deactivate/delete and vacation --on/--off', async (t) => {
  const inst = await makeTestInstance();
  t.after(() => inst.release());
  addUser(inst, 'bob@example.com', 'correct horse');
  const bad = path.join(inst.dir, 'bad.sieve');
  fs.writeFileSync(bad, 'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "A"\n}\n');
  let r = cli(inst, ['sieve', 'put', 'bob@example.com', 'main', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused: line 4, column 1: expected ";" or "\{" after command "fileinto"/);
  const good = path.join(inst.dir, 'good.sieve');
  fs.writeFileSync(good, 'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "A";\n}\n');
  r = cli(inst, ['sieve', 'put', 'bob@example.com', 'main', good]);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['sieve', 'activate', 'bob@example.com', 'main']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['sieve', 'get', 'bob@example.com', 'main']);
  assert.equal(r.stdout, fs.readFileSync(good, 'utf8'));

  const message = path.join(inst.dir, 'away.txt');
  fs.writeFileSync(message, 'I am away until Monday.\n"Quoted" and \\ kept.\n');
  r = cli(inst, ['vacation', 'bob@example.com', '--on', '--subject', 'Away', '--message-file', message, '--until', '2026-12-24', '--days', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /until 2026-12-24.*every 3 day\(s\); script "main" keeps running/);
  r = cli(inst, ['sieve', 'list', 'bob@example.com', '--json']);
  const list = JSON.parse(r.stdout) as { name: string; active: boolean }[];
  assert.deepEqual(list.map((s) => [s.name, s.active]), [['main', false], ['postern-vacation', true]]);
  r = cli(inst, ['sieve', 'get', 'bob@example.com', 'postern-vacation']);
  assert.match(r.stdout, /if currentdate :value "le" "date" "2026-12-24" \{\n  vacation :days 3 :subject "Away" "I am away until Monday\.\n\\"Quoted\\" and \\\\ kept\.\n";\n\}\ninclude :personal :optional "main";/);
  r = cli(inst, ['sieve', 'delete', 'bob@example.com', 'postern-vacation']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is the active script/);

  r = cli(inst, ['vacation', 'bob@example.com', '--off']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /script "main" is active again/);
  r = cli(inst, ['sieve', 'list', 'bob@example.com', '--json']);
  assert.deepEqual((JSON.parse(r.stdout) as { name: string; active: boolean }[]).map((s) => [s.name, s.active]), [['main', true]]);
  assert.equal(cli(inst, ['vacation', 'bob@example.com', '--on', '--subject', 'x']).code, 2, '--message-file is required');
  assert.equal(cli(inst, ['vacation', 'bob@example.com', '--on', '--subject', 'x', '--message-file', message, '--until', 'soon']).code, 2);
  assert.equal(cli(inst, ['sieve', 'deactivate', 'bob@example.com']).code, 0);
  r = cli(inst, ['sieve', 'delete', 'bob@example.com', 'main']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(inst, ['sieve', 'list', 'bob@example.com']);
  assert.equal(r.stdout.trim(), '(none)');
  assert.equal(cli(inst, ['sieve', 'get', 'nobody@example.com', 'x']).code, 1);
});

test('vacation --on warns when the script it keeps running can answer with vacation or reject itself', async (t) => {
  const inst = await makeTestInstance();
  t.after(() => inst.release());
  addUser(inst, 'bob@example.com', 'correct horse');
  const own = path.join(inst.dir, 'own.sieve');
  fs.writeFileSync(own, 'require ["vacation", "fileinto"];\nif header :contains "subject" "x" { vacation "Mine."; }\n');
  assert.equal(cli(inst, ['sieve', 'put', 'bob@example.com', 'own', own]).code, 0);
  assert.equal(cli(inst, ['sieve', 'activate', 'bob@example.com', 'own']).code, 0);
  const message = path.join(inst.dir, 'away.txt');
  fs.writeFileSync(message, 'Away.\n');
  const r = cli(inst, ['vacation', 'bob@example.com', '--on', '--subject', 'Away', '--message-file', message]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: script "own" uses vacation: /m);
  fs.writeFileSync(own, 'require "fileinto";\nfileinto "Sorted";\n');
  assert.equal(cli(inst, ['vacation', 'bob@example.com', '--off']).code, 0);
  assert.equal(cli(inst, ['sieve', 'put', 'bob@example.com', 'own', own]).code, 0);
  const quiet = cli(inst, ['vacation', 'bob@example.com', '--on', '--subject', 'Away', '--message-file', message]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning/);
});
