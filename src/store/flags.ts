// System flags as a bit set in messages.flags (RFC 3501 §2.3.2), keywords as a space-separated list
// in messages.keywords, and STORE's change to them, pure, for both engines. \Recent is not stored:
// it is a property of the session that first sees a message, which the IMAP session tracks itself.
// Always true: keywords compare without regard to case (RFC 3501 §2.3.2) and a message keeps the
// spelling it first got; a change leaves the order of the keywords it keeps unchanged.
export const FLAG_BITS = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
} as const;

export type SystemFlag = keyof typeof FLAG_BITS;

export function isSystemFlag(flag: string): flag is SystemFlag {
  return Object.hasOwn(FLAG_BITS, flag);
}

/** Splits flags into the system-flag bit set and the keyword list (deduplicated, case kept). */
export function encodeFlags(flags: readonly string[]): { bits: number; keywords: string[] } {
  let bits = 0;
  const keywords: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    const system = Object.keys(FLAG_BITS).find((f) => f.toLowerCase() === flag.toLowerCase()) as SystemFlag | undefined;
    if (system) bits |= FLAG_BITS[system];
    else if (!seen.has(flag.toLowerCase())) {
      seen.add(flag.toLowerCase());
      keywords.push(flag);
    }
  }
  return { bits, keywords };
}

export function decodeFlags(bits: number, keywords: string): string[] {
  const out: string[] = [];
  for (const [flag, bit] of Object.entries(FLAG_BITS)) if (bits & bit) out.push(flag);
  if (keywords) out.push(...keywords.split(' '));
  return out;
}

/** STORE's three ways (RFC 3501 §6.4.6): FLAGS replaces, +FLAGS adds, -FLAGS removes. */
export type FlagMode = 'add' | 'remove' | 'replace';

/** One STORE command's change, computed once and applied to each message's stored flags. */
export interface FlagChange {
  /** The command's system flags as bits, and its keywords (deduplicated, case kept). */
  readonly bits: number;
  readonly keywords: readonly string[];
  /** The message's bits and keyword list after the change. */
  apply(bits: number, keywords: string): { bits: number; keywords: string };
}

export function flagChange(mode: FlagMode, flags: readonly string[]): FlagChange {
  const { bits, keywords } = encodeFlags(flags);
  const named = new Set(keywords.map((k) => k.toLowerCase()));
  const replaced = keywords.join(' ');
  return {
    bits,
    keywords,
    apply(had: number, list: string) {
      if (mode === 'replace') return { bits, keywords: replaced };
      const current = list ? list.split(' ') : [];
      if (mode === 'remove') return { bits: had & ~bits, keywords: current.filter((k) => !named.has(k.toLowerCase())).join(' ') };
      const have = new Set(current.map((k) => k.toLowerCase()));
      return { bits: had | bits, keywords: [...current, ...keywords.filter((k) => !have.has(k.toLowerCase()))].join(' ') };
    },
  };
}
