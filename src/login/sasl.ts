// SASL mechanisms shared by SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH. Pure decoding only.
import { normalizeAddress } from '../store/addresses.ts';

export interface Credentials { authzid: string; username: string; password: string }

/** RFC 4616: base64 of authzid NUL authcid NUL passwd. Null when malformed. */
export function decodeSaslPlain(base64: string): Credentials | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64.trim())) return null;
  const parts = Buffer.from(base64.trim(), 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1] || !parts[2]) return null;
  return { authzid: parts[0]!, username: parts[1], password: parts[2] };
}

/**
 * RFC 4616 §2: the authorization identity names whom the client acts as. We let nobody act as
 * someone else, so it must be empty or name the authentication identity itself (compared as
 * addresses: case and a domain's spelling do not matter).
 */
export function authzidPermitted(authzid: string, authcid: string): boolean {
  if (authzid === '') return true;
  const a = normalizeAddress(authzid) ?? authzid.toLowerCase();
  const b = normalizeAddress(authcid) ?? authcid.toLowerCase();
  return a === b;
}
