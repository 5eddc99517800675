// Starts a Postern set up for Dovecot's imaptest (test/fixtures/imaptest-postern.ts) on PORT (default
// an ephemeral one) and prints "imaptest postern on 127.0.0.1:PORT"; for running imaptest by hand
// against a working tree. Stops on SIGINT/SIGTERM and removes its data directory.
import { startImaptestPostern } from '../test/fixtures/imaptest-postern.ts';

const server = await startImaptestPostern(Number(process.env.PORT ?? 0));
console.log(`imaptest postern on 127.0.0.1:${server.port}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void server.stop().then(() => process.exit(0)));
