// The CAPABILITY list for a session's state (RFC 3501 §6.1.1). Always true: LOGINDISABLED is listed
// exactly when LOGIN/AUTHENTICATE would be refused (no TLS and not an allowed loopback), and STARTTLS
// only when the connection is plain and a certificate is available.

export interface CapabilityState {
  authenticated: boolean;
  secure: boolean;
  tlsAvailable: boolean;
  loginAllowed: boolean;
  maxMessageSize: number;
}

const AFTER_LOGIN = [
  'LITERAL+', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'CHILDREN', 'LIST-EXTENDED',
  'LIST-STATUS', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'SEARCHRES', 'MOVE', 'QUOTA',
  'QUOTA=RES-STORAGE', 'STATUS=SIZE', 'UTF8=ACCEPT', 'SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT',
  'THREAD=REFERENCES', 'MULTIAPPEND', 'BINARY', 'CATENATE', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'NOTIFY', 'COMPRESS=DEFLATE', 'PREVIEW',
  'SAVEDATE', 'OBJECTID', 'URLAUTH', 'URLAUTH=BINARY',
];

export function capabilities(s: CapabilityState): string {
  const caps = ['IMAP4rev1'];
  if (s.authenticated) {
    caps.push(...AFTER_LOGIN, `APPENDLIMIT=${s.maxMessageSize}`);
    return caps.join(' ');
  }
  caps.push('LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE');
  if (!s.secure && s.tlsAvailable) caps.push('STARTTLS');
  if (s.loginAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
  else caps.push('LOGINDISABLED');
  return caps.join(' ');
}
