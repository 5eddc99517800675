// The one list of Sieve extensions (src/sieve/capabilities.ts) against everything that names
// extensions: the compiler's signature table (every command, test and tag that needs an extension),
// the comparators, and the README's closing list (ManageSieve's "SIEVE" capability, RFC 5804 §1.7,
// is checked against the same list over the wire in test/e2e/managesieve.test.ts). They must be
// equal, not merely overlap: an advertised extension the interpreter lacks breaks scripts, an
// implemented one left out is hidden from clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS, TESTS } from '../../../src/sieve/signatures.ts';
import { COMPARATORS, SIEVE_EXTENSIONS } from '../../../src/sieve/capabilities.ts';

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

test('the extensions named by the signature table, the comparators and encoded-character are exactly SIEVE_EXTENSIONS', () => {
  const named = new Set<string>();
  for (const sig of [...Object.values(COMMANDS), ...Object.values(TESTS)]) {
    if (sig.ext) named.add(sig.ext);
    for (const tag of Object.values(sig.tags)) if (tag.ext) named.add(tag.ext);
  }
  // RFC 5228 §2.7.3: every comparator has its "comparator-NAME" capability.
  for (const c of COMPARATORS) named.add(`comparator-${c}`);
  // RFC 5228 §2.4.2.4: encoded-character changes how strings read; it has no command of its own.
  named.add('encoded-character');
  assert.deepEqual(sorted(named), sorted(SIEVE_EXTENSIONS));
});

test('README\'s list of supported extensions is SIEVE_EXTENSIONS', () => {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('Supported extensions (exactly what ManageSieve');
  assert.ok(start > 0, 'the README names the supported extensions');
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
  const listed = [...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((n) => n !== 'SIEVE');
  assert.deepEqual(sorted(listed), sorted(SIEVE_EXTENSIONS));
});

test('every command and test the compiler accepts has its case in the interpreter (none reaches "is not implemented")', () => {
  const source = fs.readFileSync(path.join(import.meta.dirname, '../../../src/sieve/interpreter.ts'), 'utf8');
  const cases = new Set([...source.matchAll(/case '([a-z]+)':/g)].map((m) => m[1]!));
  // Control commands the compiler resolves and the walk handles (if/elsif/else, require) are cases too.
  assert.deepEqual([...Object.keys(COMMANDS), ...Object.keys(TESTS)].filter((name) => !cases.has(name)), []);
});
