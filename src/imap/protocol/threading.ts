// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3) over the keys stored at delivery, and
// the thread-list syntax of the THREAD response (§4). Pure. Always true: every input message
// appears exactly once in the output; siblings (and threads) are ordered by sent date, ties by
// their order in the input (sequence order); nothing recurses, so a deep chain cannot overflow.

export interface ThreadInput {
  /** The number the response shows (sequence number or UID). */
  id: number;
  /** Sent date (Date:, else INTERNALDATE), ms since the epoch. */
  date: number;
  /** Base subject (RFC 5256 §2.1), already upper-cased. */
  subject: string;
  /** Whether the subject was a reply or forward (§2.1). */
  reply: boolean;
  messageId: string;
  parents: string[];
}

interface Node {
  msg: ThreadInput | null;
  /** Position in the input, for ties; dummies take their earliest child's. */
  order: number;
  parent: Node | null;
  children: Node[];
}

function isAncestor(a: Node, of: Node): boolean {
  for (let n: Node | null = of; n; n = n.parent) if (n === a) return true;
  return false;
}

function unlink(n: Node): void {
  if (!n.parent) return;
  const siblings = n.parent.children;
  siblings.splice(siblings.indexOf(n), 1);
  n.parent = null;
}

function link(parent: Node, child: Node): void {
  child.parent = parent;
  parent.children.push(child);
}

/** The date a node sorts by: its message's, or a dummy's first child's (children sorted first). */
function sortTree(roots: Node[]): void {
  const key = new Map<Node, [number, number]>();
  // Post-order without recursion: children are sorted (and keyed) before their parent.
  const stack: { n: Node; done: boolean }[] = roots.map((n) => ({ n, done: false }));
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (!top.done) {
      stack.push({ n: top.n, done: true });
      for (const c of top.n.children) stack.push({ n: c, done: false });
      continue;
    }
    const n = top.n;
    n.children.sort((x, y) => compare(key.get(x)!, key.get(y)!));
    key.set(n, n.msg ? [n.msg.date, n.order] : key.get(n.children[0]!) ?? [0, n.order]);
  }
  roots.sort((x, y) => compare(key.get(x)!, key.get(y)!));
}

function compare(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** RFC 5256 §3 ORDEREDSUBJECT: threads of one base subject, the earliest message parent of the rest. */
export function orderedSubject(messages: readonly ThreadInput[]): string {
  const groups = new Map<string, Node>();
  const roots: Node[] = [];
  // The input is in subject order; ties between threads go by sequence order, which ids follow.
  messages.forEach((msg) => {
    const node: Node = { msg, order: msg.id, parent: null, children: [] };
    const root = groups.get(msg.subject);
    if (!root) {
      groups.set(msg.subject, node);
      roots.push(node);
    } else if (msg.date < root.msg!.date) {
      // The earlier message heads the thread; the old head becomes a child like the others.
      roots[roots.indexOf(root)] = node;
      groups.set(msg.subject, node);
      for (const c of root.children) c.parent = node;
      node.children = root.children;
      root.children = [];
      link(node, root);
    } else {
      link(root, node);
    }
  });
  sortTree(roots);
  return formatThreads(roots);
}

/** RFC 5256 §3 REFERENCES (the JWZ algorithm as the RFC words it). */
export function references(messages: readonly ThreadInput[]): string {
  const table = new Map<string, Node>();
  let unique = 0;
  const container = (id: string): Node => {
    let n = table.get(id);
    if (!n) {
      n = { msg: null, order: Number.MAX_SAFE_INTEGER, parent: null, children: [] };
      table.set(id, n);
    }
    return n;
  };
  const all: Node[] = [];
  messages.forEach((msg, order) => {
    // Step 1A: a missing or duplicate Message-ID gets a unique one.
    let node = msg.messageId ? table.get(msg.messageId) : undefined;
    if (!node || node.msg) {
      node = container(msg.messageId && !node ? msg.messageId : `\u0000${unique++}`);
    }
    node.msg = msg;
    node.order = order;
    all.push(node);
    // 1B: link the References chain where that changes no existing link and makes no loop.
    let prev: Node | null = null;
    for (const ref of msg.parents) {
      const cur = container(ref);
      if (prev && !cur.parent && cur !== prev && !isAncestor(cur, prev)) link(prev, cur);
      prev = cur;
    }
    // 1C: the last reference is the parent; an earlier guess is dropped.
    unlink(node);
    if (prev && prev !== node && !isAncestor(node, prev)) link(prev, node);
  });
  for (const n of table.values()) if (n.msg === null) all.push(n);

  // Steps 2-3: the root set, with empty dummies removed and single-child dummies promoted.
  let roots = all.filter((n) => n.parent === null);
  const pruned: Node[] = [];
  const work = [...roots];
  while (work.length > 0) {
    const n = work.pop()!;
    if (n.msg === null && (n.children.length === 0 || n.parent !== null || n.children.length === 1)) {
      const parent = n.parent;
      const kids = n.children;
      unlink(n);
      n.children = [];
      for (const k of kids) {
        k.parent = null;
        if (parent) link(parent, k);
        else pruned.push(k);
        work.push(k);
      }
      continue;
    }
    if (n.parent === null) pruned.push(n);
    for (const c of [...n.children]) work.push(c);
  }
  roots = [...new Set(pruned)].filter((n) => n.parent === null && (n.msg !== null || n.children.length > 0));
  for (const n of roots) if (n.msg === null) n.order = Math.min(...n.children.map((c) => c.order));
  sortTree(roots);

  // Step 5: threads whose roots share a base subject are gathered.
  const subjectOf = (n: Node) => (n.msg ?? n.children[0]?.msg ?? null);
  const bySubject = new Map<string, Node>();
  for (const n of roots) {
    const m = subjectOf(n);
    if (!m || m.subject === '') continue;
    const held = bySubject.get(m.subject);
    if (!held || (n.msg === null && held.msg !== null) || (held.msg?.reply && n.msg && !n.msg.reply)) bySubject.set(m.subject, n);
  }
  const candidates = [...roots];
  for (const n of roots) {
    const m = subjectOf(n);
    const held = m && m.subject !== '' ? bySubject.get(m.subject) : undefined;
    if (!held || held === n || n.parent !== null) continue;
    if (held.msg === null && n.msg === null) {
      for (const c of [...n.children]) {
        c.parent = null;
        link(held, c);
      }
      n.children = [];
    } else if (held.msg === null) {
      link(held, n);
    } else if (n.msg === null) {
      link(n, held);
      bySubject.set(m!.subject, n);
    } else if (!held.msg.reply && n.msg.reply) {
      link(held, n);
    } else if (held.msg.reply && !n.msg.reply) {
      link(n, held);
      bySubject.set(m!.subject, n);
    } else {
      // Both replies or neither: siblings under a new dummy, not a guessed parent and child.
      const dummy: Node = { msg: null, order: Math.min(held.order, n.order), parent: null, children: [] };
      link(dummy, held);
      link(dummy, n);
      bySubject.set(m!.subject, dummy);
      candidates.push(dummy);
    }
  }
  const result = candidates.filter((n) => n.parent === null && (n.msg !== null || n.children.length > 0));
  sortTree(result);
  return formatThreads(result);
}

/** RFC 5256 §4 thread-list: "(1 2 (3)(4 5))"; a chain continues with a space, siblings go in parentheses. */
function formatThreads(roots: Node[]): string {
  let out = '';
  const stack: (Node | string)[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(')', roots[i]!, '(');
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    let text = item.msg ? String(item.msg.id) : '';
    if (item.children.length === 1) {
      stack.push(item.children[0]!);
      text += item.msg ? ' ' : '';
    } else if (item.children.length > 1) {
      if (item.msg) text += ' ';
      for (let i = item.children.length - 1; i >= 0; i--) stack.push(')', item.children[i]!, '(');
    }
    out += text;
  }
  return out;
}
