// The IDLE keep-alive (RFC 2177 §3 lets a server send untagged responses while idling): every
// idling session gets "* OK Still here" once per interval, which keeps NAT and firewall state
// alive and makes clients such as Thunderbird look again at what they skipped. Always true: one
// timer serves every idling session of the server (none runs while nobody idles), so a thousand
// idlers cost one wake-up per interval, not a thousand.

export interface Idler {
  keepAlive(): void;
}

export class IdleKeepAlive {
  private readonly intervalMs: number;
  private readonly idlers = new Set<Idler>();
  private timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  add(idler: Idler): void {
    this.idlers.add(idler);
    if (!this.timer && this.intervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  remove(idler: Idler): void {
    this.idlers.delete(idler);
    if (this.idlers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.idlers.size;
  }

  private tick(): void {
    for (const idler of [...this.idlers]) idler.keepAlive();
  }
}
