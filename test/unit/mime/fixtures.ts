// Loads MIME fixtures with CRLF line endings, as delivery hands messages to the
// indexer (the files are kept with LF so that git and editors leave them alone).
import { readFileSync } from 'node:fs';

export const FIXTURE_DIR = new URL('../../fixtures/mime/', import.meta.url);

export function fixture(name: string): Buffer {
  const text = readFileSync(new URL(name, FIXTURE_DIR)).toString('binary');
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'binary');
}
