// DKIM signing off the event loop: RSA-2048 signing was a fifth of the server's CPU in bench/relay
// (bench/relay.md), so it runs on worker threads. Always true: every request is answered exactly
// once (a signature header or an error); the threads are unref'd and never keep the process alive.
// The threads start with the first signature, not with the pool: each is ~18 MB of resident memory
// (bench/profiles.md, Memory), and a server whose submission listener is idle, or that has no DKIM
// keys, never needs them.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DkimKey } from './sign.ts';

interface Pending { resolve: (header: string) => void; reject: (err: Error) => void }

export class SignPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;
  private readonly size: number;

  constructor(size = Math.max(1, os.availableParallelism() - 1)) {
    this.size = size;
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(new URL('./sign-worker.ts', import.meta.url));
      w.unref();
      w.on('message', (m: { id: number; header?: string; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.header!);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  sign(message: Buffer, domain: string, keys: DkimKey[], now: number): Promise<string> {
    if (keys.length === 0) return Promise.resolve('');
    if (this.workers.length === 0) this.start();
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, message, domain, keys: keys.map(({ selector, algorithm, privateKeyPem }) => ({ selector, algorithm, privateKeyPem })), now });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
