// Renders config/postern.example.toml from the schema, so the example documents every key with
// its real default. A test compares the committed file with this rendering.
import { SCHEMA, type KeySpec } from './schema.ts';

function tomlValue(spec: KeySpec): string {
  switch (spec.type) {
    case 'string': return typeof spec.default === 'function' ? '"mail.example.com"  # default: this machine\'s hostname' : JSON.stringify(spec.default);
    case 'listen': return spec.default === false ? 'false' : JSON.stringify(spec.default);
    case 'strings': return JSON.stringify(spec.default);
    case 'ints': return `[${spec.default.join(', ')}]`;
    case 'size': return String(spec.default);
    default: return typeof spec.default === 'string' ? JSON.stringify(spec.default) : String(spec.default);
  }
}

export function renderExample(): string {
  const lines = [
    '# Postern configuration: every key, with its default. Copy to config/postern.toml (or pass',
    '# --config FILE, or set POSTERN_CONFIG) and change what you need; keys you leave out keep the',
    '# default shown. Unknown keys and bad values stop the program with exit code 2.',
  ];
  for (const [name, section] of Object.entries(SCHEMA)) {
    lines.push('');
    if (name) lines.push(`# ${section.doc}`, `[${name}]`);
    for (const [key, spec] of Object.entries(section.keys)) {
      const extra = spec.type === 'enum' ? ` (${spec.values.join(' | ')})` : spec.type === 'int' ? ` (${spec.min}..${spec.max})` : '';
      lines.push(`# ${spec.doc}${extra}`, `${key} = ${tomlValue(spec)}`);
    }
  }
  return lines.join('\n') + '\n';
}

if (import.meta.main) process.stdout.write(renderExample());
