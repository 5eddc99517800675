// COMPRESS=DEFLATE (RFC 4978): a duplex stream over the connection that inflates what the client
// sends and deflates what the session writes (raw DEFLATE, RFC 1951, no zlib header, §3), so the
// session reads and writes it exactly as it did the socket.
// Always true: every write is flushed with Z_SYNC_FLUSH before its callback, so a reply is never
// held back in the compressor (§4: the peer waits for it); the callback also waits while the
// socket holds more than IMAP_OUTPUT_HIGH_WATER, so the session's drain() still means the peer is
// reading; decompression is paced by the session — at most IMAP_COMPRESS_CHUNK_BYTES are inflated
// ahead of what it has taken, the socket is paused behind that — so a small input that inflates to
// gigabytes (a decompression bomb) costs one chunk at a time, each met by the framer's line and
// literal limits; corrupt input ends the connection.
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { IMAP_COMPRESS_CHUNK_BYTES, IMAP_COMPRESS_MEM_LEVEL, IMAP_COMPRESS_WINDOW_BITS, IMAP_OUTPUT_HIGH_WATER } from '../../limits.ts';

export class DeflateStream extends Duplex {
  private readonly raw: Duplex;
  private readonly inflate: zlib.InflateRaw;
  private readonly deflate: zlib.DeflateRaw;

  constructor(raw: Duplex) {
    super({ readableHighWaterMark: IMAP_COMPRESS_CHUNK_BYTES });
    this.raw = raw;
    // The client may compress with any window up to 32 KiB, so inflation needs the full window;
    // our own output uses a smaller one (§3 lets each side choose), which costs less per connection.
    this.inflate = zlib.createInflateRaw({ chunkSize: IMAP_COMPRESS_CHUNK_BYTES });
    this.deflate = zlib.createDeflateRaw({ windowBits: IMAP_COMPRESS_WINDOW_BITS, memLevel: IMAP_COMPRESS_MEM_LEVEL });
    raw.pipe(this.inflate);
    this.inflate.on('data', (d: Buffer) => {
      if (!this.push(d)) this.inflate.pause();
    });
    this.inflate.on('end', () => this.push(null));
    this.deflate.on('data', (d: Buffer) => raw.write(d));
    const fail = (err: Error) => this.destroy(err);
    this.inflate.on('error', fail);
    this.deflate.on('error', fail);
    raw.on('error', fail);
    raw.on('close', () => this.destroy());
  }

  /** The socket's idle timer, as the session sets it on a plain connection (the socket's own
   *  'timeout' reaches the session through its listener on the socket). */
  setTimeout(ms: number): this {
    const s = this.raw as Duplex & { setTimeout?: (ms: number) => void };
    if (typeof s.setTimeout === 'function') s.setTimeout(ms);
    return this;
  }

  override _read(): void {
    this.inflate.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.deflate.write(chunk);
    this.flushed(done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    for (const c of chunks) this.deflate.write(c.chunk);
    this.flushed(done);
  }

  private flushed(done: (err?: Error | null) => void): void {
    this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      if (this.raw.writableLength < IMAP_OUTPUT_HIGH_WATER) {
        done();
        return;
      }
      const go = () => {
        this.raw.off('drain', go);
        this.raw.off('close', go);
        done();
      };
      this.raw.on('drain', go);
      this.raw.on('close', go);
    });
  }

  override _final(done: (err?: Error | null) => void): void {
    // The socket ends once the compressor's last bytes (a BYE, say) have been handed to it.
    this.deflate.once('end', () => {
      this.raw.end();
      done();
    });
    this.deflate.end();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.inflate.destroy();
    this.deflate.destroy();
    this.raw.destroy();
    done(err);
  }
}
