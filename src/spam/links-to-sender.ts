// Whether a message links to its sender's own organisation: the organisational domain of the From
// address is the organisational domain of one of the message's URLs. Legitimate bulk mail
// (newsletters, shop offers, alerts) links to the site of whoever sends it; most spam links
// elsewhere (on the SpamAssassin corpus's tune half: 82 % of hard ham, 15 % of easy ham, 13 % of
// spam). Pure. Always true: it reads only the URL tokens tokensOf already bounded
// (SPAM_MAX_URL_DOMAINS), and an unverified From proves nothing, so the verdict lets it take off
// less than a saturated content score puts on (src/spam/verdict.ts).
import { orgDomainOf } from './signals.ts';

/** The From address's organisational domain when some `url:` token is in it, else null. */
export function linksToSender(from: string | null, tokens: readonly string[]): string | null {
  const at = from?.lastIndexOf('@') ?? -1;
  if (!from || at < 0 || at === from.length - 1) return null;
  const org = orgDomainOf(from.slice(at + 1));
  for (const t of tokens) {
    if (t.startsWith('url:') && orgDomainOf(t.slice(4)) === org) return org;
  }
  return null;
}
