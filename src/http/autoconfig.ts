// Client autoconfiguration documents: Thunderbird's config-v1.1.xml (served at autoconfig.DOMAIN and
// /.well-known/autoconfig/) and Outlook's POX autodiscover response. Pure builders from the server's
// public hostname and ports to text. What must always be true: every server element carries the
// fields Thunderbird's readFromXML rejects a server without (type, hostname, port, username,
// socketType in plain|SSL|STARTTLS, authentication), implicit TLS is listed before STARTTLS (clients
// take the first server they can use), and every interpolated value is XML-escaped.

/** Public ports of the enabled mail services; a service that is off is left out. */
export interface MailServices {
  imaps?: number;
  imap?: number;
  pop3s?: number;
  pop3?: number;
  submissions?: number;
  submission?: number;
}

export interface AutoconfigInput {
  hostname: string;
  /** The mail domain the document is for (from emailaddress, else from the Host name). */
  domain: string;
  /** The full address when the client sent one; otherwise clients substitute %EMAILADDRESS%. */
  emailAddress?: string;
  services: MailServices;
}

interface ServerEntry { protocol: 'imap' | 'pop3' | 'smtp'; port: number; socketType: 'SSL' | 'STARTTLS' }

function servers(s: MailServices): ServerEntry[] {
  const out: ServerEntry[] = [];
  // Implicit TLS first (RFC 8314 §3: prefer it over STARTTLS for submission and access).
  if (s.imaps) out.push({ protocol: 'imap', port: s.imaps, socketType: 'SSL' });
  if (s.imap) out.push({ protocol: 'imap', port: s.imap, socketType: 'STARTTLS' });
  if (s.pop3s) out.push({ protocol: 'pop3', port: s.pop3s, socketType: 'SSL' });
  if (s.pop3) out.push({ protocol: 'pop3', port: s.pop3, socketType: 'STARTTLS' });
  if (s.submissions) out.push({ protocol: 'smtp', port: s.submissions, socketType: 'SSL' });
  if (s.submission) out.push({ protocol: 'smtp', port: s.submission, socketType: 'STARTTLS' });
  return out;
}

export function buildAutoconfigXml(input: AutoconfigInput): string {
  // Postern logs in with the full address; %EMAILADDRESS% is Thunderbird's placeholder for it.
  const username = input.emailAddress ? escapeXml(input.emailAddress) : '%EMAILADDRESS%';
  const host = escapeXml(input.hostname);
  const domain = escapeXml(input.domain);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${domain}">`,
    `    <domain>${domain}</domain>`,
    `    <displayName>${domain}</displayName>`,
    `    <displayShortName>${domain}</displayShortName>`,
  ];
  for (const s of servers(input.services)) {
    const element = s.protocol === 'smtp' ? 'outgoingServer' : 'incomingServer';
    lines.push(
      `    <${element} type="${s.protocol}">`,
      `      <hostname>${host}</hostname>`,
      `      <port>${s.port}</port>`,
      `      <socketType>${s.socketType}</socketType>`,
      `      <username>${username}</username>`,
      '      <authentication>password-cleartext</authentication>',
      `    </${element}>`,
    );
  }
  lines.push('  </emailProvider>', '</clientConfig>', '');
  return lines.join('\n');
}

const AUTODISCOVER_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The address in an Outlook autodiscover request body (`<EMailAddress>`), if any. */
export function autodiscoverRequestAddress(body: string): string | undefined {
  const m = /<(?:\w+:)?EMailAddress>\s*([^<\s]+)\s*<\/(?:\w+:)?EMailAddress>/i.exec(body);
  return m ? unescapeXml(m[1]!) : undefined;
}

export function buildAutodiscoverXml(input: AutoconfigInput): string {
  const login = escapeXml(input.emailAddress ?? '');
  const host = escapeXml(input.hostname);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${AUTODISCOVER_NS}">`,
    `  <Response xmlns="${OUTLOOK_NS}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
  ];
  // Outlook takes one Protocol per Type: the first (implicit TLS) entry of each.
  const seen = new Set<string>();
  for (const s of servers(input.services)) {
    const type = s.protocol.toUpperCase();
    if (seen.has(type)) continue;
    seen.add(type);
    lines.push(
      '      <Protocol>',
      `        <Type>${type}</Type>`,
      `        <Server>${host}</Server>`,
      `        <Port>${s.port}</Port>`,
      '        <DomainRequired>off</DomainRequired>',
      `        <LoginName>${login}</LoginName>`,
      '        <SPA>off</SPA>',
      `        <SSL>on</SSL>`,
      `        <Encryption>${s.socketType === 'SSL' ? 'SSL' : 'TLS'}</Encryption>`,
      '        <AuthRequired>on</AuthRequired>',
      '      </Protocol>',
    );
  }
  lines.push('    </Account>', '  </Response>', '</Autodiscover>', '');
  return lines.join('\n');
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
