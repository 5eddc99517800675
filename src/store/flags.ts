// System flags as a bit set in messages.flags (RFC 3501 §2.3.2). \Recent is not stored: it is a
// property of the session that first sees a message, which the IMAP session tracks itself.
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
