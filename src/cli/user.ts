// `postern user add|passwd|list|remove|quota`.
import { USER_USAGE } from './usage.ts';
import { parseArgs, expectPositionals, flagString } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { readPassword } from './password-input.ts';
import { hashPassword } from '../login/password.ts';
import { normalizeAddress, domainOf } from '../store/addresses.ts';
import { parseSize, formatSize } from '../config/size.ts';
import type { Store } from '../store/api.ts';


export async function userCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { 'password-stdin': false, domain: true });
  const [verb, ...rest] = args.positionals;
  args.positionals = rest;
  const fromStdin = args.flags.has('password-stdin');
  switch (verb) {
    case 'add': {
      const address = validAddress(expectPositionals(args, 1, 1, 'postern user add ADDRESS [--password-stdin]')[0]!);
      await withStore(args, async (store) => {
        const domain = await store.domains.find(domainOf(address));
        if (!domain) throw new OperationError(`domain ${domainOf(address)} is not served here; add it first with "postern domain add ${domainOf(address)}"`);
        if (await store.accounts.byAddress(address)) throw new OperationError(`user ${address} already exists (change the password with "postern user passwd ${address}")`);
        if ((await store.aliases.targets(address)).length > 0) throw new OperationError(`${address} is an alias; remove it first with "postern alias remove ${address}"`);
        const password = await readPassword(fromStdin);
        const account = await store.accounts.add(address, domain.id, await hashPassword(password));
        // RFC 5321 §4.5.1: every domain must accept mail for postmaster; DMARC and TLS-RPT reports
        // go there too (dns records). The domain's first user receives it until told otherwise.
        const postmaster = `postmaster@${domain.name}`;
        const givePostmaster = !(await store.accounts.byAddress(postmaster)) && (await store.aliases.targets(postmaster)).length === 0;
        if (givePostmaster) await store.aliases.add(domain.id, postmaster, [account.address]);
        emit(o, { address: account.address, mailboxes: (await store.mailboxes.list(account.id)).map((b) => b.name), postmaster: givePostmaster },
          `Added user ${account.address}.${givePostmaster ? `\nMail for ${postmaster} (and DMARC and TLS-RPT reports) goes to ${account.address}; change it with "postern alias".` : ''}`);
      });
      return;
    }
    case 'passwd': {
      const address = validAddress(expectPositionals(args, 1, 1, 'postern user passwd ADDRESS [--password-stdin]')[0]!);
      await withStore(args, async (store) => {
        const account = await existing(store, address);
        await store.accounts.setPassword(account.id, await hashPassword(await readPassword(fromStdin)));
        emit(o, { address: account.address, changed: true }, `Changed the password of ${account.address}.`);
      });
      return;
    }
    case 'list': {
      expectPositionals(args, 0, 0, 'postern user list [--domain DOMAIN]');
      await withStore(args, async (store) => {
        const only = flagString(args, 'domain');
        let domainId: number | undefined;
        if (only) {
          const d = await store.domains.find(only.toLowerCase());
          if (!d) throw new OperationError(`no domain ${only} (see "postern domain list")`);
          domainId = d.id;
        }
        const rows = (await store.accounts.list(domainId)).map((a) => ({ address: a.address, quota: a.quotaBytes, used: a.usedBytes }));
        emit(o, rows, table(rows.map((r) => ({ ...r, quota: r.quota === 0 ? 'unlimited' : formatSize(r.quota) })), ['address', 'quota', 'used']));
      });
      return;
    }
    case 'remove': {
      const address = validAddress(expectPositionals(args, 1, 1, 'postern user remove ADDRESS')[0]!);
      await withStore(args, async (store) => {
        const account = await existing(store, address);
        await store.accounts.remove(account.id);
        emit(o, { removed: account.address }, `Removed user ${account.address} and their mail.`);
      });
      return;
    }
    case 'quota': {
      const [addr, sizeText] = expectPositionals(args, 2, 2, 'postern user quota ADDRESS SIZE (like 2G, 500M, or 0 for unlimited)');
      const address = validAddress(addr!);
      const size = parseSize(sizeText!);
      if (size === null) throw new UsageError(`"${sizeText}" is not a size (expected a number of bytes or like 2G, 500M; 0 for unlimited)`);
      await withStore(args, async (store) => {
        const account = await existing(store, address);
        await store.accounts.setQuota(account.id, size);
        emit(o, { address: account.address, quota: size }, `Quota of ${account.address}: ${size === 0 ? 'unlimited' : formatSize(size)}.`);
      });
      return;
    }
    default:
      throw new UsageError(`usage: ${USER_USAGE}`);
  }
}

export function validAddress(text: string): string {
  const address = normalizeAddress(text);
  if (!address || /[\s<>()\[\],;:"\\]/.test(address) || !address.slice(address.lastIndexOf('@') + 1).includes('.')) {
    throw new UsageError(`"${text}" is not an email address (expected something like alice@example.com)`);
  }
  return address;
}

async function existing(store: Store, address: string) {
  const account = await store.accounts.byAddress(address);
  if (!account) throw new OperationError(`no user ${address} (see "postern user list")`);
  return account;
}
