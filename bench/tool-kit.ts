// Where the project's tool kit is (the benchmark peers and imaptest, other people's code kept
// outside this repository): POSTERN_SHARED_DIR, else ../shared beside the repository.
import path from 'node:path';

export const TOOL_KIT = process.env.POSTERN_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
export const PEERS_DIR = path.join(TOOL_KIT, 'peers');
