// Whether the configured hostname is a fully qualified domain name. Mail servers greet (RFC 5321
// §4.1.1.1 EHLO, §4.1.3 the greeting) and sign with it, and receivers compare it with the PTR of the
// sending address, so a bare host name ("mail") or an address literal works locally and fails outside.
// Only a warning: a test machine or a private deployment may run on a short name on purpose.

/** A problem with `hostname` as a public mail server name, or undefined when it looks right. */
export function hostnameProblem(hostname: string): string | undefined {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (/^[\d.]+$/.test(name) || name.includes(':')) return `hostname "${hostname}" is an address; use the server's DNS name (the one its PTR record names)`;
  const labels = name.split('.');
  if (labels.length < 2) return `hostname "${hostname}" is not fully qualified; use a name like mail.example.com (the one the server's PTR record names)`;
  if (labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l))) return `hostname "${hostname}" is not a valid DNS name`;
  if (name.toLowerCase() === 'localhost' || name.toLowerCase().endsWith('.localhost') || name.toLowerCase().endsWith('.local')) {
    return `hostname "${hostname}" is not reachable from the internet; use the server's public DNS name`;
  }
  return undefined;
}
