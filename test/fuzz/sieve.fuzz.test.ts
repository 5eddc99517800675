// Fuzzing the Sieve compiler and interpreter (scripts arrive over ManageSieve): any input either
// compiles or fails with a SieveSyntaxError carrying a position, and a compiled script either runs
// or fails with a SieveRuntimeError, never anything else. Inputs are random text and scripts built
// from Sieve's own tokens; crashing inputs found so far are kept below as regression cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileScript } from '../../src/sieve/compile.ts';
import { runSieve } from '../../src/sieve/interpreter.ts';
import { SieveMessage } from '../../src/sieve/message.ts';
import { SieveRuntimeError, SieveSyntaxError } from '../../src/sieve/errors.ts';
import { SIEVE_EXTENSIONS } from '../../src/sieve/capabilities.ts';

const numRuns = Number(process.env.POSTERN_FUZZ_RUNS ?? 200);

const REGRESSIONS = [
  'require "regex"; if header :regex "s" "(" { keep; }',
  'if true { if true {',
  'require "encoded-character"; keep "${unicode:110000}";',
  'text:\n',
  'require "variables"; set "a" "${a}${a}${a}${a}"; set "a" "${a}${a}${a}${a}";',
  ':',
  '"\\',
];

const TOKENS = [
  'require', 'if', 'elsif', 'else', 'stop', 'keep', 'discard', 'fileinto', 'redirect', 'reject', 'set', 'vacation', 'addflag',
  'header', 'address', 'envelope', 'exists', 'size', 'allof', 'anyof', 'not', 'true', 'false', 'body', 'string', 'date', 'duplicate',
  ':is', ':contains', ':matches', ':regex', ':value', ':count', ':comparator', ':over', ':under', ':days', ':copy', ':create', ':flags',
  '"subject"', '"*"', '"a(b|c)*"', '"${1}"', '"i;octet"', '"gt"', '10K', '0', '[', ']', '(', ')', '{', '}', ',', ';',
  'text:\nhello\n.\n', '# c\n', '/* c */', ...SIEVE_EXTENSIONS.map((e) => `"${e}"`),
];

const message = new SieveMessage(Buffer.from('From: a@example.org\r\nTo: b@example.com\r\nSubject: hello (world)\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nbody text\r\n'));

async function check(script: string): Promise<void> {
  let compiled;
  try {
    compiled = compileScript(script);
  } catch (err) {
    assert.ok(err instanceof SieveSyntaxError, `compile threw ${(err as Error).stack}`);
    assert.match(err.message, /^line \d+, column \d+: /);
    return;
  }
  try {
    await runSieve(compiled, {
      message, envelope: { from: 'a@example.org', to: 'b@example.com' }, userAddresses: ['b@example.com'], environment: {},
      now: 0, zoneMinutes: 0, hooks: { mailboxExists: async () => true, duplicateSeen: async () => false },
    });
  } catch (err) {
    assert.ok(err instanceof SieveRuntimeError, `run threw ${(err as Error).stack}`);
  }
}

test('sieve fuzz: regression inputs', async () => {
  for (const script of REGRESSIONS) await check(script);
});

test('sieve fuzz: random text', async () => {
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), check), { numRuns });
});

test('sieve fuzz: scripts made of Sieve tokens', async () => {
  const script = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => `require [${SIEVE_EXTENSIONS.map((e) => `"${e}"`).join(',')}];\n${t.join(' ')}`);
  await fc.assert(fc.asyncProperty(script, check), { numRuns });
});

test('sieve fuzz: well-formed scripts with random strings and patterns', async () => {
  const text = fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s).replace(/\\u[0-9a-f]{4}/g, ''));
  const script = fc.tuple(fc.constantFrom(':is', ':contains', ':matches', ':regex'), text, text, fc.constantFrom('keep;', 'discard;', 'fileinto "x";', 'set "v" "${1}";'))
    .map(([m, h, k, action]) => `require ["fileinto", "regex", "variables"];\nif header ${m} ${h} ${k} { ${action} }`);
  await fc.assert(fc.asyncProperty(script, check), { numRuns });
});
