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
    const tables: [string, Extract<KeySpec, { type: 'tables' }>][] = [];
    for (const [key, spec] of Object.entries(section.keys)) {
      if (spec.type === 'tables') { tables.push([key, spec]); continue; }
      const extra = spec.type === 'enum' ? ` (${spec.values.join(' | ')})` : spec.type === 'int' ? ` (${spec.min}..${spec.max})` : '';
      lines.push(`# ${spec.doc}${extra}`, `${key} = ${tomlValue(spec)}`);
    }
    // Arrays of tables have no default entry: an example, commented out, with every key explained.
    for (const [key, spec] of tables) {
      lines.push('', `# ${spec.doc}.`, '# Keys:');
      for (const [sub, s] of Object.entries(spec.keys)) {
        lines.push(`#   ${sub}: ${s.doc}${s.type === 'enum' ? ` (${s.values.join(' | ')})` : ''}; default ${tomlValue(s)}`);
      }
      lines.push(`# [[${name}.${key}]]`, ...Object.entries(spec.example).map(([k, v]) => `# ${k} = ${v}`));
    }
  }
  return lines.join('\n') + '\n';
}

if (import.meta.main) process.stdout.write(renderExample());
