// The body of a DKIM signing thread (see sign-pool.ts): signs what it is sent, one request at a time.
import { parentPort } from 'node:worker_threads';
import { signMessage, type DkimKey } from './sign.ts';

interface SignRequest { id: number; message: Uint8Array; domain: string; keys: DkimKey[]; now: number }

parentPort!.on('message', (req: SignRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, header: signMessage(Buffer.from(req.message.buffer, req.message.byteOffset, req.message.byteLength), req.domain, req.keys, req.now) });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).message });
  }
});
