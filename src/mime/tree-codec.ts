// Compact JSON form of a MimePart tree for the store: one positional array
// per part, trailing empty fields dropped. Invariant:
// decodeTree(encodeTree(t)) deep-equals t.
import type { MimePart } from './types.ts';

// Positions: 0 headerStart, 1 bodyStart-headerStart, 2 end-bodyStart, 3 lines,
// 4 type, 5 subtype, 6 params (flat [k,v,k,v]), 7 id, 8 description,
// 9 encoding, 10 md5, 11 disposition [type, flat params], 12 language,
// 13 location, 14 children, 15 message. Lengths instead of end offsets keep numbers short.
type Packed = unknown[];

function flat(params: [string, string][]): string[] {
  const out: string[] = [];
  for (const [k, v] of params) out.push(k, v);
  return out;
}

function pairs(a: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (!Array.isArray(a)) return out;
  for (let i = 0; i + 1 < a.length; i += 2) out.push([String(a[i]), String(a[i + 1])]);
  return out;
}

function pack(p: MimePart): Packed {
  const a: Packed = [
    p.headerStart,
    p.bodyStart - p.headerStart,
    p.end - p.bodyStart,
    p.lines,
    p.type,
    p.subtype,
    flat(p.params),
    p.id,
    p.description,
    p.encoding,
    p.md5,
    p.disposition === null ? null : [p.disposition.type, flat(p.disposition.params)],
    p.language,
    p.location,
    p.children.map(pack),
    p.message === null ? null : pack(p.message),
  ];
  while (a.length > 6) {
    const last = a[a.length - 1];
    if (last === null || (Array.isArray(last) && last.length === 0)) a.pop();
    else break;
  }
  return a;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function unpack(a: Packed): MimePart {
  const headerStart = Number(a[0]);
  const bodyStart = headerStart + Number(a[1]);
  const dsp = a[11];
  return {
    headerStart,
    bodyStart,
    end: bodyStart + Number(a[2]),
    lines: Number(a[3]),
    type: String(a[4]),
    subtype: String(a[5]),
    params: pairs(a[6]),
    id: str(a[7]),
    description: str(a[8]),
    encoding: str(a[9]),
    md5: str(a[10]),
    disposition: Array.isArray(dsp) ? { type: String(dsp[0]), params: pairs(dsp[1]) } : null,
    language: Array.isArray(a[12]) ? a[12].map(String) : null,
    location: str(a[13]),
    children: Array.isArray(a[14]) ? (a[14] as Packed[]).map(unpack) : [],
    message: Array.isArray(a[15]) ? unpack(a[15] as Packed) : null,
  };
}

export function encodeTree(tree: MimePart): string {
  return JSON.stringify(pack(tree));
}

export function decodeTree(s: string): MimePart {
  return unpack(JSON.parse(s) as Packed);
}
