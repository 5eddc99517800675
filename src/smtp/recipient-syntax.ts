// What port 25 will even consider as a recipient, before asking delivery whether it is ours. Pure.
// Always true: an address is passed on only if it is a plain local-part@domain naming a mailbox on
// that domain; every old relaying trick (percent hack, bang path, quoted local part hiding an `@`,
// address literals) is refused here, so no spelling of a remote address can reach a local domain's
// recipient lookup and get relayed. (Source routes, RFC 5321 §4.1.2, smtp-server already strips,
// so `@local:user@remote` arrives here as `user@remote` and is refused as not local later.)

export type RecipientCheck =
  | { kind: 'address'; localPart: string; domain: string }
  /** RFC 5321 §4.1.1.3: the bare `postmaster` recipient must be accepted. */
  | { kind: 'postmaster' }
  | { kind: 'refuse'; code: 501 | 554; enhanced: string; text: string };

const SYNTAX = (text: string): RecipientCheck => ({ kind: 'refuse', code: 501, enhanced: '5.1.3', text });
const RELAY = (text: string): RecipientCheck => ({ kind: 'refuse', code: 554, enhanced: '5.7.1', text });

// RFC 5322 §3.2.3 atext, widened by RFC 6531 §3.3 to any non-ASCII UTF-8.
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+$/u;
// A domain label: LDH (RFC 5890 A-labels included) or a U-label (RFC 6531).
const LABEL = /^(?:[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\-\u0080-\uffff]{0,61}[A-Za-z0-9\u0080-\uffff])?)$/u;

export function checkRecipient(address: string): RecipientCheck {
  if (address.toLowerCase() === 'postmaster') return { kind: 'postmaster' };
  if (/[\x00-\x20\x7f]/.test(address.replace(/"[^"]*"/g, ''))) return SYNTAX('Bad recipient address syntax');
  const split = splitAddress(address);
  if (!split) return SYNTAX('Bad recipient address syntax');
  const { localPart, domain, quoted } = split;
  if (quoted) {
    // A quoted local part with `@` or `%` in it is a remote address in disguise.
    if (/[@%!]/.test(localPart)) return RELAY('Relaying denied: quoted local part names another address');
  } else {
    if (localPart.includes('%')) return RELAY('Relaying denied: percent-hack addresses are not accepted');
    if (localPart.includes('!')) return RELAY('Relaying denied: bang-path addresses are not accepted');
    if (!localPart.split('.').every((atom) => ATOM.test(atom))) return SYNTAX('Bad recipient address syntax');
  }
  if (domain.startsWith('[')) return RELAY('Relaying denied: address literals are not accepted');
  if (!isDomain(domain)) return SYNTAX('Bad recipient domain syntax');
  return { kind: 'address', localPart, domain };
}

function splitAddress(address: string): { localPart: string; domain: string; quoted: boolean } | null {
  if (address.startsWith('"')) {
    // RFC 5321 §4.1.2 Quoted-string: DQUOTE *QcontentSMTP DQUOTE, with backslash pairs.
    let i = 1;
    let local = '';
    for (; i < address.length; i++) {
      const c = address[i]!;
      if (c === '\\') { local += address[++i] ?? ''; continue; }
      if (c === '"') break;
      local += c;
    }
    if (address[i] !== '"' || address[i + 1] !== '@') return null;
    const domain = address.slice(i + 2);
    return local && domain ? { localPart: local, domain, quoted: true } : null;
  }
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const localPart = address.slice(0, at);
  if (localPart.includes('@') || localPart.includes('"')) return null;
  return { localPart, domain: address.slice(at + 1), quoted: false };
}

function isDomain(domain: string): boolean {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (!name || Buffer.byteLength(name) > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}
