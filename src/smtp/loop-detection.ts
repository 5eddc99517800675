// Mail loop detection by counting Received trace fields (RFC 5321 §6.3: a message that has passed
// through too many hops is looping). Pure. Always true: only fields in the header section count
// (the caller's one read of it, mime/header-fields.ts), so a Received line quoted in the body cannot
// get a message refused.
import { fieldsNamed, type HeaderSection } from '../mime/header-fields.ts';

export function receivedCount(header: Pick<HeaderSection, 'fields'>): number {
  return fieldsNamed(header.fields, 'Received').length;
}

export function isLooping(header: Pick<HeaderSection, 'fields'>, maxReceived: number): boolean {
  return receivedCount(header) > maxReceived;
}
