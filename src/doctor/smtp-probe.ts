// Can this machine reach an SMTP server at all? Dials host:port, reads the greeting and says QUIT.
// Many home and cloud connections block outbound port 25; the answer then is a smarthost route on
// 587 or 465. Always true: the probe ends within `timeoutMs` whatever the peer does, and a name is
// resolved through the one resolver.
import net, { isIP } from 'node:net';
import { DnsTemporaryError, type Resolver } from '../dns/resolver.ts';

export type ProbeResult = { ok: true; address: string; greeting: string } | { ok: false; reason: string };

export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const port = m[3] ? Number(m[3]) : defaultPort;
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

export async function probeSmtp(resolver: Resolver, host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  let address = host;
  if (!isIP(host)) {
    try {
      address = (await resolver.a(host))[0] ?? (await resolver.aaaa(host))[0] ?? '';
    } catch (err) {
      if (err instanceof DnsTemporaryError) return { ok: false, reason: err.message };
      throw err;
    }
    if (!address) return { ok: false, reason: `${host} has no A or AAAA record` };
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let text = '';
    const done = (r: ProbeResult) => { clearTimeout(timer); socket.destroy(); resolve(r); };
    const timer = setTimeout(() => done({ ok: false, reason: `no greeting from ${address}:${port} within ${timeoutMs / 1000} s (connection ${socket.connecting ? 'not established: the port is probably blocked' : 'open but silent'})` }), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${address}:${port}: ${err.code ?? err.message}` }));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      // RFC 5321 §4.2: the last line of a reply has a space after the code.
      const last = text.split('\r\n').find((l) => /^\d{3} /.test(l));
      if (!last) return;
      socket.write('QUIT\r\n');
      done(last.startsWith('220') ? { ok: true, address, greeting: last } : { ok: false, reason: `${address}:${port} greeted with ${last}` });
    });
  });
}
