// Flags as IMAP writes them (RFC 3501 §7.2.6 flag lists) from the stored bit set and keywords.
// Always true: \Recent appears only for messages this session owns as recent.
import { decodeFlags } from '../../store/flags.ts';

export const SYSTEM_FLAGS_TEXT = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

export function flagList(bits: number, keywords: string, recent: boolean): string {
  const flags = decodeFlags(bits, keywords);
  if (recent) flags.push('\\Recent');
  return `(${flags.join(' ')})`;
}
