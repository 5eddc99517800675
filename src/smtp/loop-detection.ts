// Mail loop detection by counting Received trace fields (RFC 5321 §6.3: a message that has passed
// through too many hops is looping). Pure. Always true: only fields in the header section count,
// so a Received line quoted in the body cannot get a message refused.
import { fieldsNamed, splitHeaderFields } from '../mime/header-fields.ts';

export function receivedCount(raw: Buffer): number {
  return fieldsNamed(splitHeaderFields(raw).fields, 'Received').length;
}

export function isLooping(raw: Buffer, maxReceived: number): boolean {
  return receivedCount(raw) > maxReceived;
}
