// `postern`: parses the command line and hands off to src/cli/, mapping failures to exit codes in
// one place: 0 success, 1 a failed operation, 2 bad usage or configuration.
import { UsageError, OperationError } from './cli/errors.ts';
import type { Output } from './cli/output.ts';
import { SERVE_USAGE, DOMAIN_USAGE, USER_USAGE, ALIAS_USAGE, DNS_USAGE, QUEUE_USAGE, IMPORT_USAGE, MIGRATE_USAGE, REINDEX_USAGE, BACKUP_USAGE, VERIFY_USAGE, RESTORE_USAGE, EXPORT_USAGE, SPAM_USAGE, SIEVE_USAGE, VACATION_USAGE, DOCTOR_USAGE, REPORTS_USAGE, STORE_USAGE } from './cli/usage.ts';

const USAGE = `usage: postern COMMAND [--config FILE] [--json]

  ${SERVE_USAGE}
  ${DOMAIN_USAGE}
  ${USER_USAGE}
  ${ALIAS_USAGE}
  ${DNS_USAGE}
  ${QUEUE_USAGE}
  ${IMPORT_USAGE}
  ${MIGRATE_USAGE}
  ${REINDEX_USAGE}
  ${BACKUP_USAGE}
  ${VERIFY_USAGE}
  ${RESTORE_USAGE}
  ${EXPORT_USAGE}
  ${SPAM_USAGE}
  ${SIEVE_USAGE}
  ${VACATION_USAGE}
  ${DOCTOR_USAGE}
  ${REPORTS_USAGE}
  ${STORE_USAGE}

Config: --config FILE, else $POSTERN_CONFIG, else config/postern.toml, else built-in defaults.`;

export async function main(argv: string[]): Promise<number> {
  const o: Output = {
    json: argv.includes('--json'),
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each command's module is loaded only when it runs: the CLI starts in a fraction of the
      // time it takes to load every protocol stack that serve needs.
      case 'serve': await (await import('./cli/serve.ts')).serveCommand(rest); break;
      case 'domain': await (await import('./cli/domain.ts')).domainCommand(rest, o); break;
      case 'user': await (await import('./cli/user.ts')).userCommand(rest, o); break;
      case 'alias': await (await import('./cli/alias.ts')).aliasCommand(rest, o); break;
      case 'dns': await (await import('./cli/dns.ts')).dnsCommand(rest, o); break;
      case 'queue': await (await import('./cli/queue.ts')).queueCommand(rest, o); break;
      case 'import': await (await import('./cli/import.ts')).importCommand(rest, o); break;
      case 'migrate': await (await import('./cli/migrate.ts')).migrateCommand(rest, o); break;
      case 'reindex': await (await import('./cli/reindex.ts')).reindexCommand(rest, o); break;
      case 'backup': await (await import('./cli/backup.ts')).backupCommand(rest, o); break;
      case 'verify': await (await import('./cli/verify.ts')).verifyCommand(rest, o); break;
      case 'restore': await (await import('./cli/restore.ts')).restoreCommand(rest, o); break;
      case 'export': await (await import('./cli/export.ts')).exportCommand(rest, o); break;
      case 'spam': await (await import('./cli/spam.ts')).spamCommand(rest, o); break;
      case 'sieve': await (await import('./cli/sieve.ts')).sieveCommand(rest, o); break;
      case 'vacation': await (await import('./cli/vacation.ts')).vacationCommand(rest, o); break;
      case 'reports': await (await import('./cli/reports.ts')).reportsCommand(rest, o); break;
      case 'store': await (await import('./cli/store.ts')).storeCommand(rest, o); break;
      case 'doctor': await (await import('./cli/doctor.ts')).doctorCommand(rest, o); break;
      case 'help': case '--help': case '-h': o.out(USAGE); break;
      default: throw new UsageError(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) {
      o.err(o.json ? JSON.stringify({ error: message }) : `postern: ${message}`);
      return 2;
    }
    if (err instanceof OperationError) {
      o.err(o.json ? JSON.stringify({ error: message }) : `postern: ${message}`);
      return 1;
    }
    o.err(`postern: unexpected error: ${err instanceof Error ? err.stack : message}`);
    return 1;
  }
}
