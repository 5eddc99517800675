// The CAPA response lines (RFC 2449 §5) for where a session stands.
// Always true: we advertise only what the session would accept right now: STLS only before TLS in
// the AUTHORIZATION state, USER and SASL PLAIN only where plaintext logins are allowed (RFC 2595 §4:
// a server should not offer what policy refuses), and nothing about logging in after login.

export interface CapabilityContext {
  phase: 'authorization' | 'transaction';
  tls: boolean;
  tlsAvailable: boolean;
  plaintextAllowed: boolean;
}

export function capabilityLines(c: CapabilityContext): string[] {
  const lines = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (c.phase === 'authorization') {
    if (!c.tls && c.tlsAvailable) lines.push('STLS');
    if (c.plaintextAllowed) lines.push('USER', 'SASL PLAIN');
  }
  // RFC 2449 §6.7: Postern never deletes mail on its own.
  lines.push('EXPIRE NEVER', 'IMPLEMENTATION Postern');
  return lines;
}
