// The request target and Host header of an HTTP request, parsed without throwing: the http listener
// answers 400 to anything these refuse. Pure (fuzzed in test/fuzz/http-request.fuzz.test.ts).
// Always true: a result is returned for every input string — null means "not a request we can
// serve" — and a path always starts with "/" (or is "*" for OPTIONS).

export interface RequestTarget {
  /** The path, still percent-encoded (routes decode what they need). */
  path: string;
  query: URLSearchParams;
}

/** RFC 9112 §3.2: origin-form ("/p?q"), absolute-form ("http://host/p?q", sent to proxies but
 *  valid for servers too), asterisk-form ("*", OPTIONS only). Authority-form is CONNECT's: refused. */
export function parseRequestTarget(target: string, method: string): RequestTarget | null {
  if (target === '*') return method === 'OPTIONS' ? { path: '*', query: new URLSearchParams() } : null;
  // RFC 9112 §3.2: no whitespace or controls in a request target; Node already split on spaces.
  if (/[\x00-\x20\x7f]/.test(target)) return null;
  let pathAndQuery: string;
  if (target.startsWith('/')) {
    // "//x:99999" is an origin-form path whose first segment is empty, not a host (RFC 3986 §3.3).
    pathAndQuery = target;
  } else {
    const m = /^https?:\/\/[^/?#]*(.*)$/i.exec(target);
    if (!m) return null;
    pathAndQuery = m[1]!.startsWith('/') ? m[1]! : '/' + m[1]!;
  }
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  // URLSearchParams never throws: malformed percent sequences are kept as they are.
  const query = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
  return { path, query };
}

/** The Host header as a lower-case name without port or trailing dot; '' when absent. Null when it
 *  is not a host at all (RFC 9112 §3.2: a server responds 400 to an invalid Host). */
export function parseHostHeader(value: string | undefined): string | null {
  if (value === undefined || value === '') return '';
  const v = value.trim().toLowerCase();
  // An IPv6 literal in brackets, with an optional port.
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(v);
  if (v6) return v6[2] !== undefined && Number(v6[2]) > 65535 ? null : v6[1]!;
  const m = /^([a-z0-9_.-]{0,253})(?::(\d{1,5}))?$/.exec(v);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return null;
  return m[1]!.replace(/\.$/, '');
}
