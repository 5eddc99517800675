// Fuzz target: the config loader (src/config/load.ts): TOML text that smol-toml parses, and parsed
// documents with the schema's sections and keys given values of every type. Property: validation
// returns a Config or throws ConfigError naming the problem, never anything else.
import { test } from 'node:test';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { ConfigError, validateConfig } from '../../src/config/load.ts';
import { SCHEMA } from '../../src/config/schema.ts';
import { fuzzOptions } from './options.ts';

const sections = Object.keys(SCHEMA);
const keysOf = (section: string) => Object.keys(SCHEMA[section]!.keys);
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(false), fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.constantFrom(':0', '127.0.0.1:0', '[::1]:99999', '50M', '1G', 'x:y:z', -1, 0, 1e308, '', 'reject'), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }));

function validate(raw: unknown): void {
  try {
    validateConfig(raw as Record<string, unknown>, null);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
}

test('fuzz: any document with the schema\'s keys validates or fails with ConfigError', () => {
  const doc = fc.array(fc.tuple(fc.constantFrom(...sections, 'nonsense'), fc.nat(), value), { maxLength: 8 }).map((entries) => {
    const raw: Record<string, unknown> = {};
    for (const [section, k, v] of entries) {
      const keys = section === 'nonsense' ? ['x'] : keysOf(section);
      const key = keys[k % Math.max(1, keys.length)] ?? 'x';
      if (section === '') raw[key] = v;
      else raw[section] = { ...(raw[section] as object | undefined), [key]: v };
    }
    return raw;
  });
  fc.assert(fc.property(doc, validate), fuzzOptions());
});

test('fuzz: TOML text that parses validates or fails with ConfigError', () => {
  const line = fc.oneof(fc.constantFrom('[listen]', '[limits]', '[imap]', '[ops]', 'http = false', 'ops = ":0"', 'message_size = "50M"', 'token = 1', 'x = [1, "a"]', '[[listen]]'), fc.string({ maxLength: 20 }));
  fc.assert(fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
    let raw: unknown;
    try {
      raw = parseToml(lines.join('\n'));
    } catch {
      return;
    }
    validate(raw);
  }), fuzzOptions());
});
