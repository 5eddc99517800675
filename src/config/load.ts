// Loading and validating the TOML configuration. The file is found as: --config, else
// POSTERN_CONFIG, else config/postern.toml when present, else built-in defaults. Anything the
// schema does not know, or a value of the wrong kind, is a ConfigError naming the key path and
// what was expected; the CLI turns it into exit code 2.
import { parseDnsList } from './dns-list-entry.ts';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { SCHEMA, type KeySpec } from './schema.ts';
import { parseSize } from './size.ts';
import type { Config, ListenAddress } from './types.ts';
import { checkRoute } from './relay-url.ts';
import { parseProxyTrust } from './proxy-trust.ts';

export class ConfigError extends Error {}

export const DEFAULT_CONFIG_PATH = 'config/postern.toml';

/** Which file to read, or null for built-in defaults. */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (explicit) return explicit;
  if (env.POSTERN_CONFIG) return env.POSTERN_CONFIG;
  return fs.existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : null;
}

export function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env): Config {
  const file = configPath(explicit, env);
  if (file === null) return validateConfig({}, null);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${file}: not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw, file);
}

/** Validates a parsed TOML document; relative paths are resolved against the file's folder. */
export function validateConfig(raw: Record<string, unknown>, file: string | null): Config {
  const where = file ? `${file}: ` : '';
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  const out: Record<string, unknown> = {};
  const top = SCHEMA['']!;
  for (const [name, value] of Object.entries(raw)) {
    if (name in top.keys) continue;
    const section = SCHEMA[name];
    if (!section) throw new ConfigError(`${where}unknown key "${name}" (known: ${knownNames()})`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(`${where}"${name}" must be a table ([${name}])`);
    }
    for (const key of Object.keys(value)) {
      if (!(key in section.keys)) {
        throw new ConfigError(`${where}unknown key "${name}.${key}" (known in [${name}]: ${Object.keys(section.keys).join(', ')})`);
      }
    }
  }
  for (const [sectionName, section] of Object.entries(SCHEMA)) {
    const given = (sectionName === '' ? raw : (raw[sectionName] as Record<string, unknown> | undefined)) ?? {};
    const target: Record<string, unknown> = sectionName === '' ? out : {};
    for (const [key, spec] of Object.entries(section.keys)) {
      const keyPath = sectionName === '' ? key : `${sectionName}.${key}`;
      const value = key in given ? given[key] : defaultOf(spec);
      target[key] = convert(spec, value, `${where}${keyPath}`, base);
    }
    if (sectionName !== '') out[sectionName] = target;
  }
  const config = out as unknown as Config;
  config.data_dir = path.resolve(base, config.data_dir);
  for (const key of ['rspamd', 'rspamd_controller'] as const) {
    const url = config.spam[key];
    if (url && !/^https?:\/\/[^/]+/.test(url)) throw new ConfigError(`${where}spam.${key}: expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  for (const key of ['dnsbl', 'dnswl'] as const) {
    for (const entry of config.spam[key]) {
      try {
        parseDnsList(entry);
      } catch (err) {
        throw new ConfigError(`${where}spam.${key}: ${(err as Error).message}`);
      }
    }
  }
  try {
    parseProxyTrust(config.listen.proxy_protocol_from);
  } catch (err) {
    throw new ConfigError(`${where}listen.proxy_protocol_from: ${(err as Error).message}`);
  }
  config.queue.route.forEach((r, i) => checkRoute(r, `${where}queue.route[${i}]`, (m) => new ConfigError(m)));
  return config;
}

function knownNames(): string {
  return [...Object.keys(SCHEMA['']!.keys), ...Object.keys(SCHEMA).filter(Boolean).map((s) => `[${s}]`)].join(', ');
}

export function defaultOf(spec: KeySpec): unknown {
  return typeof spec.default === 'function' ? spec.default() : spec.default;
}

function convert(spec: KeySpec, value: unknown, keyPath: string, base: string): unknown {
  const bad = (expected: string): never => {
    throw new ConfigError(`${keyPath}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? value : bad('a string');
    case 'path':
      if (typeof value !== 'string') return bad('a file path string');
      return value === '' ? '' : path.resolve(base, value);
    case 'bool':
      return typeof value === 'boolean' ? value : bad('true or false');
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`an integer from ${spec.min} to ${spec.max}`);
      if (value < spec.min || value > spec.max) return bad(`an integer from ${spec.min} to ${spec.max}`);
      return value;
    case 'size': {
      const size = typeof value === 'string' || typeof value === 'number' ? parseSize(value) : null;
      return size === null || size === 0 ? bad('a size in bytes or with a unit, like 52428800 or "50M"') : size;
    }
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? value : bad(`one of ${spec.values.map((v) => `"${v}"`).join(', ')}`);
    case 'listen':
      if (value === false) return null;
      return (typeof value === 'string' && parseListen(value)) || bad('"host:port", ":port" or false');
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0) ? value : bad('a list of strings');
    case 'ints':
      return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= spec.min)
        ? value : bad(`a non-empty list of integers of at least ${spec.min}`);
    case 'tables': {
      if (!Array.isArray(value)) return bad('an array of tables');
      return value.map((entry, i) => {
        const at = `${keyPath}[${i}]`;
        if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${at}: expected a table`);
        for (const k of Object.keys(entry)) {
          if (!(k in spec.keys)) throw new ConfigError(`${at}: unknown key "${k}" (known: ${Object.keys(spec.keys).join(', ')})`);
        }
        const out: Record<string, unknown> = {};
        for (const [k, sub] of Object.entries(spec.keys)) {
          out[k] = convert(sub, k in entry ? (entry as Record<string, unknown>)[k] : defaultOf(sub), `${at}.${k}`, base);
        }
        return out;
      });
    }
  }
}

/** "host:port", "[v6]:port" or ":port"; port 0 asks the system for a free one (tests). */
export function parseListen(value: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}
