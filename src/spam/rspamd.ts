// A client of rspamd's HTTP protocol (https://rspamd.com/doc/developers/protocol.html): /checkv2
// with the envelope, client IP, HELO and our authentication verdicts as request headers, and
// /learnspam, /learnham for training. Always true: a failure or timeout (SPAM_RSPAMD_TIMEOUT_MS) is
// an error the caller logs and counts, never a verdict; the message is judged without rspamd.
import { SPAM_RSPAMD_TIMEOUT_MS } from '../limits.ts';
import type { RspamdResult } from './verdict.ts';

export interface RspamdCheck {
  ip: string;
  helo: string;
  mailFrom: string;
  recipients: readonly string[];
  hostname: string;
  /** Our Authentication-Results header value, so rspamd need not verify again. */
  authResults?: string;
}

/** Where training goes: the configured controller, else rspamd's URL with its controller port (11334 for 11333). */
export function rspamdControllerUrl(rspamd: string, controller: string): string {
  if (controller || !rspamd) return controller;
  try {
    const url = new URL(rspamd);
    if (url.port === '11333') url.port = '11334';
    return url.toString();
  } catch {
    return rspamd;
  }
}

export class RspamdClient {
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  async check(message: Buffer, env: RspamdCheck): Promise<RspamdResult> {
    const headers: Record<string, string> = {
      'Content-Type': 'message/rfc822', IP: env.ip, Helo: env.helo, From: env.mailFrom || '<>', 'MTA-Name': env.hostname,
    };
    const body = await this.post('/checkv2', message, headers, env.recipients);
    const json = JSON.parse(body) as { score?: number; action?: string; symbols?: Record<string, { score?: number }> };
    if (typeof json.score !== 'number' || typeof json.action !== 'string') throw new Error('rspamd answered without score and action');
    const symbols = Object.entries(json.symbols ?? {}).filter(([, s]) => (s.score ?? 0) !== 0)
      .sort((a, b) => Math.abs(b[1].score ?? 0) - Math.abs(a[1].score ?? 0)).map(([name]) => name);
    return { score: json.score, action: json.action, symbols };
  }

  /** Forwards a training (the controller worker answers these, e.g. port 11334). */
  async learn(cls: 'spam' | 'ham', message: Buffer): Promise<void> {
    await this.post(cls === 'spam' ? '/learnspam' : '/learnham', message, { 'Content-Type': 'message/rfc822' }, []);
  }

  private async post(path: string, message: Buffer, headers: Record<string, string>, recipients: readonly string[]): Promise<string> {
    const h = new Headers(headers);
    for (const r of recipients) h.append('Rcpt', r);
    const res = await fetch(this.base + path, { method: 'POST', body: new Uint8Array(message), headers: h, signal: AbortSignal.timeout(SPAM_RSPAMD_TIMEOUT_MS) });
    const text = await res.text();
    // rspamd answers 208 when a message was already learnt; that is not a failure.
    if (!res.ok && res.status !== 208) throw new Error(`rspamd ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return text;
  }
}
