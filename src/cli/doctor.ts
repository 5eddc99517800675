// `postern doctor [--domain D]`: one row per deliverability check (ok / warn / fail with the fix);
// exits 1 when any check fails so it can run from cron; --json for scripts. See src/doctor/run.ts
// for the checks and README "When mail does not arrive" for what to do with them.
import fs from 'node:fs';
import { DOCTOR_USAGE } from './usage.ts';
import { flagString, parseArgs } from './args.ts';
import { withStore } from './context.ts';
import { OperationError, UsageError } from './errors.ts';
import { emit, table, type Output } from './output.ts';
import { createResolver } from '../dns/resolver.ts';
import { httpsPolicyFetcher } from '../queue/mta-sts.ts';
import { acmeFiles } from '../tls/acme.ts';
import { runDoctor } from '../doctor/run.ts';
import { doctorFailed, summary } from '../doctor/report.ts';
import { systemClock } from '../clock.ts';
import type { Config } from '../config/types.ts';

// The certificate serve would use: configured, else ACME's, else the self-signed one in data_dir.
function certFileOf(config: Config): string | null {
  if (config.tls.cert) return config.tls.cert;
  const acme = acmeFiles(config.data_dir).cert;
  if (config.tls.acme && fs.existsSync(acme)) return acme;
  const selfSigned = `${config.data_dir}/tls/self-signed.crt`;
  return fs.existsSync(selfSigned) ? selfSigned : null;
}

export async function doctorCommand(argv: string[], o: Output): Promise<void> {
  const args = parseArgs(argv, { domain: true });
  if (args.positionals.length > 0) throw new UsageError(`usage: ${DOCTOR_USAGE}`);
  const only = flagString(args, 'domain')?.toLowerCase();
  await withStore(args, async (store, config) => {
    const all = (await store.domains.list()).map((d) => d.name);
    const names = only ? all.filter((n) => n === only) : all;
    if (only && names.length === 0) throw new OperationError(`no domain ${only} (see "postern domain list")`);
    const domains = await Promise.all(names.map(async (name) => ({ name, keys: await store.domains.dkimKeys(name) })));
    const resolver = createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms, tries: config.dns.tries });
    const rows = await runDoctor({
      config, resolver, domains, certFile: certFileOf(config), now: systemClock.now(),
      fetchMtaStsPolicy: httpsPolicyFetcher({ resolver, timeoutMs: config.dns.timeout_ms * 4, allowPrivate: config.testing.allow_private_mx }),
    });
    const fixes = rows.filter((r) => r.status !== 'ok' && r.fix).map((r) => `- ${r.check}: ${r.fix}`);
    emit(o, { ok: !doctorFailed(rows), summary: summary(rows), rows }, [
      // Long values (a DKIM key) are cut in the table; --json has them whole.
      table(rows.map((r) => ({ ...r, found: r.found.length > 72 ? `${r.found.slice(0, 69)}...` : r.found })), ['status', 'check', 'found']),
      '', summary(rows),
      ...(fixes.length ? ['', 'To fix:', ...fixes] : []),
    ].join('\n'));
    if (doctorFailed(rows)) throw new OperationError(`${rows.filter((r) => r.status === 'fail').length} check(s) failed`);
  });
}
