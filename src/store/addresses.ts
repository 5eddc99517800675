// How addresses and domains are compared: local parts case-insensitively, domains as lowercase
// A-labels, so "Ünï.example" and "xn--n-dha.example" name the same domain (RFC 5890).
import { domainToASCII } from 'node:url';

/** The A-label form of a domain, lowercase, without a trailing dot; '' when it is not a valid name. */
export function normalizeDomain(domain: string): string {
  // domainToASCII parses a URL host: it would cut "x.test\\evil" or "x.test/y" at the separator.
  if (/[\x00-\x20/\\?#@%:[\]]/.test(domain.trim())) return '';
  return domainToASCII(domain.trim().replace(/\.+$/, '')).toLowerCase().replace(/\.+$/, '');
}

/** 'Local@Dom' → 'local@dom-a-label'; null when the address has no local part or domain. */
export function normalizeAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const domain = normalizeDomain(address.slice(at + 1));
  if (!domain) return null;
  return `${address.slice(0, at).toLowerCase()}@${domain}`;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
