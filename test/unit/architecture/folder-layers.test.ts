// The folder layering of src/ (docs/architecture.md, "The layers"), read from the import lines
// themselves: no folder cycle, and no import from a lower layer to a higher one. Always true: a
// folder counts as a node (each file directly in src/ is its own node), an edge is any relative
// `from '…'` or `import('…')` that crosses nodes, and the only edges excused are those in ALLOWED,
// each with the reason it is still there; the lead removes an entry when the change that drops
// the edge lands (a stale entry is reported, not failed, so that landing never breaks this test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SRC = 'src';

// Lowest first. A node may import its own layer's nodes (the cycle check still applies) and any
// lower layer. A node belongs to the longest entry that is it or a folder above it.
const LAYERS: readonly (readonly string[])[] = [
  ['src/limits.ts', 'src/clock.ts', 'src/log.ts', 'src/random-hex.ts'],
  ['src/config'],
  ['src/metrics', 'src/net', 'src/mime', 'src/srs', 'src/dns'],
  ['src/imap/protocol', 'src/pop3/protocol'],
  ['src/store'],
  ['src/login', 'src/tls', 'src/email-auth', 'src/sieve'],
  ['src/spam'],
  ['src/delivery'],
  ['src/queue'],
  ['src/reports'],
  ['src/server-context.ts'],
  ['src/smtp', 'src/imap', 'src/pop3', 'src/managesieve', 'src/http'],
  ['src/backup', 'src/export', 'src/import', 'src/doctor', 'src/process-guard.ts'],
  ['src/cli', 'src/main.ts'],
];

// Edges excused while other work in progress removes them, each as { edge: 'src/a -> src/b', reason }:
// one that closes a cycle or points upward. None today (issue #11 removed the last ones).
const ALLOWED: readonly { edge: string; reason: string }[] = [];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The node a file belongs to: its folder, or the file itself when it sits directly in src/. */
function nodeOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === SRC ? file : dir;
}

/** Every cross-node edge, with one file that makes it. */
function folderEdges(): Map<string, string> {
  const edges = new Map<string, string>();
  for (const file of tsFiles(SRC)) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)'(\.[^']+)'/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
      const a = nodeOf(file);
      const b = nodeOf(target);
      if (a !== b && !edges.has(`${a} -> ${b}`)) edges.set(`${a} -> ${b}`, `${file} imports ${target}`);
    }
  }
  return edges;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(edges: Iterable<string>): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const [a, b] = e.split(' -> ') as [string, string];
    next.set(a, [...(next.get(a) ?? []), b]);
    if (!next.has(b)) next.set(b, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

function layerOf(node: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((nodes, i) => {
    for (const n of nodes) {
      if ((node === n || node.startsWith(n + '/')) && n.length > bestLength) {
        best = i;
        bestLength = n.length;
      }
    }
  });
  return best;
}

test('the cycle finder sees a cycle and a clean chain for what they are', () => {
  assert.deepEqual(cycles(['a -> b', 'b -> c', 'c -> a', 'c -> d']), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(['a -> b', 'b -> c']), []);
  assert.equal(layerOf('src/store/postgres'), layerOf('src/store'));
  assert.ok(layerOf('src/imap/protocol') < layerOf('src/imap/session'));
});

test('no folder cycle in src/ beyond the edges still being removed', (t) => {
  const edges = folderEdges();
  const allowed = new Set(ALLOWED.map((a) => a.edge));
  for (const a of allowed) if (!edges.has(a)) t.diagnostic(`ALLOWED entry no longer needed: ${a}`);
  const found = cycles([...edges.keys()].filter((e) => !allowed.has(e)));
  const explain = found.map((c) => `${c.join(', ')}\n    ${[...edges].filter(([e]) => c.includes(e.split(' -> ')[0]!) && c.includes(e.split(' -> ')[1]!)).map(([e, why]) => `${e}  (${why})`).join('\n    ')}`);
  assert.deepEqual(explain, [], `folder cycles:\n${explain.join('\n')}`);
});

test('every folder has a layer and imports only its own layer or lower ones', () => {
  const edges = folderEdges();
  const allowed = new Set(ALLOWED.map((a) => a.edge));
  const nodes = new Set([...edges.keys()].flatMap((e) => e.split(' -> ')));
  const unplaced = [...nodes].filter((n) => layerOf(n) < 0);
  assert.deepEqual(unplaced, [], 'add these to LAYERS here and to the layers table in docs/architecture.md');
  const upward = [...edges]
    .filter(([e]) => !allowed.has(e))
    .filter(([e]) => {
      const [a, b] = e.split(' -> ') as [string, string];
      return layerOf(a) < layerOf(b);
    })
    .map(([e, why]) => `${e}  (${why})`);
  assert.deepEqual(upward, [], 'imports from a lower layer to a higher one');
});
