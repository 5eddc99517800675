// The spam filter's pure parts: filing rules, the classifier's threshold and inconclusive state,
// reputation order, DNS list codes, sender signals, verdict points and headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classOfFiling, classOfKeywords, roleOf } from '../../../src/store/spam-filing.ts';
import { classify, chi2Q, CLASSIFIER_PARAMS } from '../../../src/spam/classifier.ts';
import { judgeReputation } from '../../../src/spam/reputation.ts';
import { queryName } from '../../../src/spam/dns-lists.ts';
import { parseDnsList } from '../../../src/config/dns-list-entry.ts';
import { ipSignals, signalsOf, isPublicIp } from '../../../src/spam/signals.ts';
import { combine, learnedOnArrival, POINTS, spamHeaders, SURE_HAM } from '../../../src/spam/verdict.ts';
import { ownSpamFields } from '../../../src/spam/own-headers.ts';
import { readMessageHeader, withoutFields } from '../../../src/mime/header-fields.ts';
import { fromAddressOf } from '../../../src/spam/filter.ts';
import { linksToSender } from '../../../src/spam/links-to-sender.ts';
import { tokensOf } from '../../../src/spam/tokens.ts';

test('filing rules: into Junk or below is spam, out of Junk to anything but Trash is ham', () => {
  const junk = ['Junk'];
  const role = (name: string, su: string | null = null) => roleOf({ name, specialUse: su }, junk);
  assert.equal(role('Junk', '\\Junk'), 'junk');
  assert.equal(role('Junk/Phishing'), 'junk');
  assert.equal(role('Spam'), 'junk');
  assert.equal(role('Trash', '\\Trash'), 'trash');
  assert.equal(role('Rejects'), 'rejects');
  assert.equal(role('Archive'), 'other');
  assert.equal(classOfFiling('other', 'junk'), 'spam');
  assert.equal(classOfFiling('junk', 'junk'), null);
  assert.equal(classOfFiling('junk', 'other'), 'ham');
  assert.equal(classOfFiling('junk', 'trash'), null);
  assert.equal(classOfFiling('rejects', 'other'), 'ham');
  assert.equal(classOfFiling('trash', 'junk'), 'spam');
  assert.equal(classOfFiling('other', 'trash'), null);
  assert.equal(classOfKeywords('', '$Junk'), 'spam');
  assert.equal(classOfKeywords('$Junk', '$Junk $NotJunk'), 'ham');
  assert.equal(classOfKeywords('$junk', '$Junk'), null);
});

test('classifier: inconclusive below min_trained of either class; Robinson–Fisher separates clear cases', () => {
  const [viagra, meeting, the, unseen] = [1, 2, 3, 4];
  const counts = new Map([[viagra, { ham: 0, spam: 40 }], [meeting, { ham: 40, spam: 1 }], [the, { ham: 45, spam: 45 }]]);
  assert.equal(classify({ totals: { ham: 49, spam: 60 }, counts }, [viagra], 50).kind, 'inconclusive');
  const spam = classify({ totals: { ham: 50, spam: 50 }, counts }, [viagra, the], 50);
  assert.ok(spam.kind === 'scored' && spam.probability > 0.9, JSON.stringify(spam));
  const ham = classify({ totals: { ham: 50, spam: 50 }, counts }, [meeting, the], 50);
  assert.ok(ham.kind === 'scored' && ham.probability < 0.1, JSON.stringify(ham));
  const unknown = classify({ totals: { ham: 50, spam: 50 }, counts }, [unseen], 50);
  assert.ok(unknown.kind === 'scored' && unknown.probability === 0.5);
  assert.ok(Math.abs(chi2Q(2, 2) - Math.exp(-1)) < 1e-12);
  // Robinson's s: a token seen in one spam is pulled towards x by s; a weaker prior trusts it more.
  const once = new Map([[viagra, { ham: 0, spam: 1 }]]);
  const pOf = (strength: number) => {
    const r = classify({ totals: { ham: 50, spam: 50 }, counts: once }, [viagra], 50, { ...CLASSIFIER_PARAMS, strength, minDeviation: 0 });
    return r.kind === 'scored' ? r.telling[0]!.p : NaN;
  };
  assert.equal(pOf(1), 0.75);
  assert.ok(Math.abs(pOf(0.25) - 0.9) < 1e-12);
  // Only the maxTokens most telling tokens are combined.
  const many = new Map(Array.from({ length: 20 }, (_, i) => [100 + i, { ham: 0, spam: 10 + i }] as const));
  const few = classify({ totals: { ham: 50, spam: 50 }, counts: many }, [...many.keys()], 50, { ...CLASSIFIER_PARAMS, maxTokens: 3 });
  assert.ok(few.kind === 'scored' && few.telling.length === 3 && few.telling.every((t) => t.token >= 117), JSON.stringify(few));
});

test('reputation: the most specific clear signal decides; an unverified domain only leans, never decides', () => {
  assert.deepEqual(judgeReputation([]), { kind: 'inconclusive' });
  // A domain whose mail was kept as ham (a newsletter from a new address each time) leans towards ham.
  assert.deepEqual(judgeReputation([{ kind: 'domain', value: 'x.test', ham: 10, spam: 0 }]),
    { kind: 'inconclusive', kept: { signal: 'domain', value: 'x.test', ham: 10, spam: 0 } });
  assert.deepEqual(judgeReputation([{ kind: 'domain', value: 'x.test', ham: 2, spam: 0 }]), { kind: 'inconclusive' }, 'a domain needs 3 messages');
  assert.deepEqual(judgeReputation([{ kind: 'org', value: 'x.test', ham: 10, spam: 0 }]), { kind: 'inconclusive' }, 'an organisational domain never leans towards ham');
  // A freemail domain most of whose mail was spam: the first message from a new correspondent there
  // is judged by its content, with the domain's history as a lean.
  assert.deepEqual(judgeReputation([{ kind: 'domain', value: 'yahoo.com', ham: 5, spam: 75 }]),
    { kind: 'inconclusive', lean: { signal: 'domain', value: 'yahoo.com', ham: 5, spam: 75 } });
  assert.deepEqual(judgeReputation([{ kind: 'org', value: 'x.test', ham: 0, spam: 3 }]), { kind: 'inconclusive' }, 'org needs 4 messages');
  assert.equal(judgeReputation([{ kind: 'org', value: 'x.test', ham: 0, spam: 4 }, { kind: 'from', value: 'a@x.test', ham: 2, spam: 0 }]).kind, 'ham',
    'the exact address the user kept outweighs its domain');
  assert.equal(judgeReputation([{ kind: 'domain', value: 'x.test', ham: 0, spam: 9 }, { kind: 'ip32', value: '192.0.2.1', ham: 0, spam: 2 }]).kind, 'spam',
    'the client address still condemns');
  assert.equal(judgeReputation([{ kind: 'ip32', value: '192.0.2.1', ham: 5, spam: 0 }]).kind, 'inconclusive', 'a network never vouches');
  assert.equal(judgeReputation([{ kind: 'dkim', value: 'x.test', ham: 3, spam: 0 }]).kind, 'ham');
  const v = judgeReputation([{ kind: 'ip26', value: '192.0.2.0/26', ham: 0, spam: 9 }, { kind: 'from', value: 'a@x.test', ham: 2, spam: 0 }]);
  assert.equal(v.kind === 'ham' && v.signal, 'from');
  assert.equal(judgeReputation([{ kind: 'replied', value: 'a@x.test', ham: 1, spam: 0 }]).kind, 'ham');
  assert.equal(judgeReputation([{ kind: 'from', value: 'a@x.test', ham: 1, spam: 1 }]).kind, 'inconclusive');
});

test('DNS lists: only documented codes are listings; names are reversed per RFC 5782', () => {
  const zen = parseDnsList('zen.spamhaus.org');
  assert.ok(zen.isListing('127.0.0.2') && zen.isListing('127.0.0.11'));
  for (const bad of ['127.255.255.254', '127.255.255.252', '127.0.0.1', '192.0.2.1']) assert.ok(!zen.isListing(bad), bad);
  const custom = parseDnsList('bl.example=127.0.0.2,127.0.0.4-127.0.0.7');
  assert.ok(custom.isListing('127.0.0.5') && !custom.isListing('127.0.0.3'));
  const generic = parseDnsList('other.example');
  assert.ok(generic.isListing('127.0.0.2') && !generic.isListing('127.255.255.254'));
  assert.ok(parseDnsList('list.dnswl.org').isListing('127.0.15.2') && !parseDnsList('list.dnswl.org').isListing('127.0.0.255'));
  assert.ok(parseDnsList('KEY.zen.dq.spamhaus.net').isListing('127.0.0.4'));
  assert.throws(() => parseDnsList('bl.example=nonsense'));
  assert.throws(() => parseDnsList('not a zone'));
  assert.equal(queryName('192.0.2.99', 'bl.example'), '99.2.0.192.bl.example');
  assert.equal(queryName('::ffff:192.0.2.99', 'bl.example'), '99.2.0.192.bl.example');
  assert.match(queryName('2001:db8::1', 'bl.example')!, /^1\.(0\.){23}8\.b\.d\.0\.1\.0\.0\.2\.bl\.example$/);
});

test('signals: address, domains, verified domains and IP networks; none for private addresses', () => {
  const s = signalsOf({ from: 'a@mail.example.co.uk', dkimPass: ['Example.co.uk'], spfPass: 'bounce.example.co.uk', ip: '198.51.100.77' });
  assert.deepEqual(s, [
    ['from', 'a@mail.example.co.uk'], ['domain', 'mail.example.co.uk'], ['org', 'example.co.uk'], ['dkim', 'example.co.uk'],
    ['spf', 'bounce.example.co.uk'], ['ip32', '198.51.100.77'], ['ip26', '198.51.100.64/26'], ['ip21', '198.51.96.0/21'],
  ]);
  assert.deepEqual(ipSignals('2001:db8:1234:5678::9'), [['ip64', '2001:0db8:1234:5678::/64'], ['ip48', '2001:0db8:1234::/48'], ['ip6_32', '2001:0db8::/32']]);
  assert.deepEqual(ipSignals('10.1.2.3'), []);
  assert.deepEqual(ipSignals('::1'), []);
  assert.ok(!isPublicIp('192.168.1.1') && isPublicIp('127.0.0.2', true));
});

test('links to the sender: the From address\'s organisational domain is one of the URLs\' organisational domains', () => {
  const tokens = (text: string) => tokensOf({ headerText: '', searchText: text, head: Buffer.alloc(0) });
  assert.equal(linksToSender('news@mail3.shop.co.uk', tokens('see https://www.shop.co.uk/offers today')), 'shop.co.uk');
  assert.equal(linksToSender('news@shop.example', tokens('see http://cheap-pills.example.biz/x')), null);
  assert.equal(linksToSender('a@other.co.uk', tokens('see https://www.shop.co.uk/')), null, 'a public suffix is not an organisation');
  assert.equal(linksToSender(null, tokens('https://shop.example/')), null);
  assert.equal(linksToSender('broken@', tokens('https://shop.example/')), null);
  assert.equal(linksToSender('a@shop.example', ['shop.example', 'url:shop.example.evil.test']), null, 'only url: tokens, matched as domains');
});

test('verdict: reputation before content, thresholds, headers folded; forged headers removed', () => {
  const none = { earlyTalker: false, heloOurs: false, heloBareIp: false, noFcrdns: false };
  const base = { blocklists: [], allowlists: [], connection: none, rspamd: null };
  const t = { junk: 5, reject: 0 };
  const byContent = combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: 0.95, telling: [] } }, t);
  assert.equal(byContent.action, 'junk');
  assert.equal(byContent.score, 5.6);
  const trusted = combine({ ...base, reputation: { kind: 'ham', signal: 'from', value: 'a@b', ham: 3, spam: 0 }, classifier: { kind: 'scored', probability: 1, telling: [] } }, t);
  assert.equal(trusted.action, 'inbox');
  assert.ok(!trusted.reasons.some((r) => r.startsWith('bayes')));
  const signalsOnly = combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: null, connection: { earlyTalker: true, heloOurs: false, heloBareIp: true, noFcrdns: false } }, t);
  assert.equal(signalsOnly.action, 'inbox', 'connection signals alone stay below 5');
  const leaning = { kind: 'inconclusive', lean: { signal: 'domain', value: 'yahoo.com', ham: 1, spam: 30 } } as const;
  const leanOnly = combine({ ...base, reputation: leaning, classifier: { kind: 'scored', probability: 0.5, telling: [] } }, t);
  assert.equal(leanOnly.action, 'inbox', 'a domain alone never junks');
  assert.equal(leanOnly.score, POINTS.reputationLean);
  assert.match(leanOnly.reasons.join('; '), /reputation-leans-spam domain=yahoo\.com \(1 ham, 30 spam\) \+2\.0/);
  assert.equal(combine({ ...base, reputation: leaning, classifier: { kind: 'scored', probability: 0.8, telling: [] } }, t).action, 'junk',
    'content that is not enough alone (p=0.8 gives 3.75) junks with the lean');
  assert.equal(combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: 0.8, telling: [] } }, t).action, 'inbox');
  const kept = { kind: 'inconclusive', kept: { signal: 'domain', value: 'news.test', ham: 9, spam: 0 } } as const;
  const keptSpammy = combine({ ...base, reputation: kept, classifier: { kind: 'scored', probability: 1, telling: [] } }, t);
  assert.equal(keptSpammy.action, 'inbox', 'the kept domain outweighs content at p = 1 (6.25)');
  assert.match(keptSpammy.reasons.join('; '), /reputation-kept domain=news\.test \(9 ham, 0 spam\) -2\.0/);
  assert.equal(combine({ ...base, reputation: kept, classifier: { kind: 'scored', probability: 1, telling: [] }, blocklists: [{ kind: 'listed', zone: 'zen.test', code: '127.0.0.2' }] }, t).action, 'junk',
    'but not a listing as well');
  // Mail that links to its sender's organisation gets the doubt the classifier left, never more:
  // a saturated content score (p = 1) still junks, and the history decides before it.
  const linked = (p: number) => combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: p, telling: [] }, linksToSender: 'shop.example' }, t);
  assert.equal(linked(0.95).action, 'inbox');
  assert.match(linked(0.95).reasons.join('; '), /links-to-sender shop\.example -1\.0/);
  assert.equal(linked(1).action, 'junk', 'p = 1 (+6.25) minus 1 still reaches 5');
  assert.ok(POINTS.linksToSender < 0 && -POINTS.linksToSender < POINTS.contentScale / 2 - 5);
  assert.ok(!combine({ ...base, reputation: { kind: 'spam', signal: 'from', value: 'a@shop.example', ham: 0, spam: 3 }, classifier: null, linksToSender: 'shop.example' }, t)
    .reasons.some((r) => r.startsWith('links-to-sender')), 'a decided reputation leaves it out');
  // Training on arrival: what the filter was sure of is not trained until the user refiles it.
  const sureHam = combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: SURE_HAM, telling: [] } }, t);
  assert.ok(sureHam.sure && sureHam.action === 'inbox');
  assert.equal(learnedOnArrival('inbox', sureHam), null);
  const unsureHam = combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: SURE_HAM + 0.05, telling: [] } }, t);
  assert.equal(learnedOnArrival('inbox', unsureHam), 'ham');
  assert.ok(!byContent.sure);
  assert.equal(learnedOnArrival('junk', byContent), 'spam', 'what content junks is always trained');
  assert.equal(learnedOnArrival('junk', combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'scored', probability: 1, telling: [] } }, t)), 'spam');
  assert.equal(learnedOnArrival('inbox', trusted), null, 'a sender the history decided is not trained again');
  assert.equal(learnedOnArrival('inbox', combine({ ...base, reputation: { kind: 'inconclusive' }, classifier: { kind: 'inconclusive', trained: { ham: 1, spam: 1 } } }, t)), 'ham',
    'while the classifier is inconclusive every arrival is trained');
  assert.equal(learnedOnArrival('rejects', unsureHam), null);
  const rejected = combine({ ...base, reputation: { kind: 'spam', signal: 'ip32', value: '192.0.2.1', ham: 0, spam: 4 }, classifier: null }, { junk: 5, reject: 9 });
  assert.equal(rejected.action, 'reject');
  const h = spamHeaders({ score: 5.6, action: 'junk', reasons: Array.from({ length: 8 }, (_, i) => `reason-number-${i} +1.0`) });
  assert.match(h, /^X-Spam-Score: 5\.6 \(junk\)\r\nX-Spam-Reasons: /);
  for (const line of h.split('\r\n')) assert.ok(line.length <= 78, line);

  const forged = Buffer.from('X-Spam-Score: -99\r\nSubject: hi\r\nX-Spam-Reasons: trust\r\n me\r\n\r\nbody\r\n');
  assert.equal(withoutFields(forged, ownSpamFields(readMessageHeader(forged))).toString(), 'Subject: hi\r\n\r\nbody\r\n');
  assert.equal(fromAddressOf('"Bob, Jr." <Bob@Example.org>'), 'bob@example.org');
  assert.equal(fromAddressOf('bob@example.org (Bob)'), 'bob@example.org');
  assert.equal(fromAddressOf('undisclosed'), null);
});
