// COMPRESS DEFLATE (RFC 4978 §3): once, after login; the tagged OK is the last thing sent
// uncompressed, and the session compresses both directions from the next byte on.
import { command, AUTHENTICATED } from './command.ts';
import { bad, no } from '../session/completion.ts';

export const compress = command({
  states: AUTHENTICATED,
  parse(r) {
    const mechanism = r.atom('compression mechanism').toUpperCase();
    r.end();
    return mechanism;
  },
  async run(s, mechanism, cmd) {
    if (mechanism !== 'DEFLATE') return bad('Only DEFLATE is supported');
    if (s.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
    s.writeLine(`${cmd.tag} OK DEFLATE active`);
    s.startCompression();
    return { status: 'OK', text: 'DEFLATE active', sent: true };
  },
});
