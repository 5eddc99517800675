// Which peers may speak for their clients with a PROXY header: `[listen] proxy_protocol_from`, as IP
// addresses and CIDR blocks. Pure. Always true: an empty list trusts nobody (PROXY protocol off); an
// IPv4 peer matches its entry whether the socket reports it as a.b.c.d or ::ffff:a.b.c.d; an entry
// that is not an address or a block with a prefix length in range is refused when the config loads.
import net from 'node:net';

export interface ProxyTrust {
  /** True when a connection from `peer` must begin with a PROXY header (and only then is one read). */
  trusts(peer: string): boolean;
  readonly enabled: boolean;
}

export function parseProxyTrust(entries: readonly string[]): ProxyTrust {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = net.isIP(address);
    if (family === 0 || extra !== undefined) throw new Error(`${JSON.stringify(entry)} is not an IP address or a CIDR block like "10.0.0.0/8"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
    if (bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(entry)}: the prefix length must be 0 to ${family === 4 ? 32 : 128}`);
    list.addSubnet(address, bits, type);
  }
  const enabled = entries.length > 0;
  return {
    enabled,
    trusts(peer) {
      if (!enabled) return false;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
      const address = mapped ? mapped[1]! : peer;
      const family = net.isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
