// The argument signatures of every command and test Postern knows: which tagged arguments each
// takes (and from which extension), the positional arguments' kinds, and whether it takes tests or
// a block. The compiler checks scripts against this one table; the interpreter reads what it checked.
export type ValueKind = 'string' | 'list' | 'number';

export interface TagSpec {
  /** The extension that must be required for this tag. */
  ext?: string;
  /** The argument that follows the tag, if any. */
  value?: ValueKind;
  /** Tags of one group are mutually exclusive (match types, address parts, comparators). */
  group?: string;
}

export interface Signature {
  /** The extension that must be required to use this command or test. */
  ext?: string;
  tags: Record<string, TagSpec>;
  /** Allowed shapes of the positional arguments; 'list' also accepts a single string. */
  positional: ValueKind[][];
  tests: 'none' | 'one' | 'list';
  /** Control commands take a block; all others end with ";". */
  block?: boolean;
}

const COMPARATOR: Record<string, TagSpec> = { comparator: { value: 'string', group: 'comparator' } };
const MATCH: Record<string, TagSpec> = {
  is: { group: 'match' }, contains: { group: 'match' }, matches: { group: 'match' },
  regex: { ext: 'regex', group: 'match' },
  value: { ext: 'relational', value: 'string', group: 'match' }, count: { ext: 'relational', value: 'string', group: 'match' },
};
const ADDRESS_PART: Record<string, TagSpec> = {
  all: { group: 'address-part' }, localpart: { group: 'address-part' }, domain: { group: 'address-part' },
  user: { ext: 'subaddress', group: 'address-part' }, detail: { ext: 'subaddress', group: 'address-part' },
};
const INDEX: Record<string, TagSpec> = { index: { ext: 'index', value: 'number' }, last: { ext: 'index' } };
const ZONE: Record<string, TagSpec> = { zone: { ext: 'date', value: 'string', group: 'zone' }, originalzone: { ext: 'date', group: 'zone' } };
const FLAGS: Record<string, TagSpec> = { flags: { ext: 'imap4flags', value: 'list' } };

export const COMMANDS: Record<string, Signature> = {
  require: { tags: {}, positional: [['list']], tests: 'none' },
  if: { tags: {}, positional: [[]], tests: 'one', block: true },
  elsif: { tags: {}, positional: [[]], tests: 'one', block: true },
  else: { tags: {}, positional: [[]], tests: 'none', block: true },
  stop: { tags: {}, positional: [[]], tests: 'none' },
  keep: { tags: { ...FLAGS }, positional: [[]], tests: 'none' },
  discard: { tags: {}, positional: [[]], tests: 'none' },
  fileinto: { ext: 'fileinto', tags: { ...FLAGS, copy: { ext: 'copy' }, create: { ext: 'mailbox' } }, positional: [['string']], tests: 'none' },
  redirect: { tags: { copy: { ext: 'copy' } }, positional: [['string']], tests: 'none' },
  reject: { ext: 'reject', tags: {}, positional: [['string']], tests: 'none' },
  ereject: { ext: 'ereject', tags: {}, positional: [['string']], tests: 'none' },
  setflag: { ext: 'imap4flags', tags: {}, positional: [['list'], ['string', 'list']], tests: 'none' },
  addflag: { ext: 'imap4flags', tags: {}, positional: [['list'], ['string', 'list']], tests: 'none' },
  removeflag: { ext: 'imap4flags', tags: {}, positional: [['list'], ['string', 'list']], tests: 'none' },
  set: {
    ext: 'variables',
    tags: {
      lower: { group: 'case' }, upper: { group: 'case' }, lowerfirst: { group: 'first' }, upperfirst: { group: 'first' },
      quotewildcard: { group: 'quote' }, quoteregex: { ext: 'regex', group: 'quote' }, length: { group: 'length' },
    },
    positional: [['string', 'string']], tests: 'none',
  },
  vacation: {
    ext: 'vacation',
    tags: {
      days: { value: 'number', group: 'period' }, seconds: { ext: 'vacation-seconds', value: 'number', group: 'period' },
      subject: { value: 'string' }, from: { value: 'string' }, addresses: { value: 'list' }, mime: {}, handle: { value: 'string' },
    },
    positional: [['string']], tests: 'none',
  },
  include: {
    ext: 'include',
    tags: { personal: { group: 'location' }, global: { group: 'location' }, once: {}, optional: {} },
    positional: [['string']], tests: 'none',
  },
  return: { ext: 'include', tags: {}, positional: [[]], tests: 'none' },
  global: { ext: 'include', tags: {}, positional: [['list']], tests: 'none' },
};

export const TESTS: Record<string, Signature> = {
  address: { tags: { ...COMPARATOR, ...MATCH, ...ADDRESS_PART, ...INDEX }, positional: [['list', 'list']], tests: 'none' },
  envelope: { ext: 'envelope', tags: { ...COMPARATOR, ...MATCH, ...ADDRESS_PART }, positional: [['list', 'list']], tests: 'none' },
  header: { tags: { ...COMPARATOR, ...MATCH, ...INDEX }, positional: [['list', 'list']], tests: 'none' },
  exists: { tags: {}, positional: [['list']], tests: 'none' },
  size: { tags: { over: { group: 'size' }, under: { group: 'size' } }, positional: [['number']], tests: 'none' },
  allof: { tags: {}, positional: [[]], tests: 'list' },
  anyof: { tags: {}, positional: [[]], tests: 'list' },
  not: { tags: {}, positional: [[]], tests: 'one' },
  true: { tags: {}, positional: [[]], tests: 'none' },
  false: { tags: {}, positional: [[]], tests: 'none' },
  body: {
    ext: 'body',
    tags: { ...COMPARATOR, ...MATCH, raw: { group: 'transform' }, content: { value: 'list', group: 'transform' }, text: { group: 'transform' } },
    positional: [['list']], tests: 'none',
  },
  string: { ext: 'variables', tags: { ...COMPARATOR, ...MATCH }, positional: [['list', 'list']], tests: 'none' },
  date: { ext: 'date', tags: { ...COMPARATOR, ...MATCH, ...ZONE, ...INDEX }, positional: [['string', 'string', 'list']], tests: 'none' },
  currentdate: { ext: 'date', tags: { ...COMPARATOR, ...MATCH, zone: { value: 'string' } }, positional: [['string', 'list']], tests: 'none' },
  environment: { ext: 'environment', tags: { ...COMPARATOR, ...MATCH }, positional: [['string', 'list']], tests: 'none' },
  duplicate: {
    ext: 'duplicate',
    tags: { handle: { value: 'string' }, header: { value: 'string', group: 'source' }, uniqueid: { value: 'string', group: 'source' }, seconds: { value: 'number' }, last: {} },
    positional: [[]], tests: 'none',
  },
  hasflag: { ext: 'imap4flags', tags: { ...COMPARATOR, ...MATCH }, positional: [['list'], ['list', 'list']], tests: 'none' },
  mailboxexists: { ext: 'mailbox', tags: {}, positional: [['list']], tests: 'none' },
};
