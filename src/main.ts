// `postern`: parses the command line and hands off to src/cli/, mapping failures to exit codes in
// one place: 0 success, 1 a failed operation, 2 bad usage or configuration.
import { UsageError, OperationError } from './cli/errors.ts';
import type { Output } from './cli/output.ts';
import { domainCommand, DOMAIN_USAGE } from './cli/domain.ts';
import { userCommand, USER_USAGE } from './cli/user.ts';
import { aliasCommand, ALIAS_USAGE } from './cli/alias.ts';
import { dnsCommand, DNS_USAGE } from './cli/dns.ts';
import { queueCommand, QUEUE_USAGE } from './cli/queue.ts';
import { importCommand, IMPORT_USAGE } from './cli/import.ts';
import { migrateCommand } from './cli/migrate.ts';
import { serveCommand } from './cli/serve.ts';

const USAGE = `usage: postern COMMAND [--config FILE] [--json]

  serve                      run the mail server
  ${DOMAIN_USAGE}
  ${USER_USAGE}
  ${ALIAS_USAGE}
  ${DNS_USAGE}
  ${QUEUE_USAGE}
  ${IMPORT_USAGE}
  migrate                    apply pending database migrations

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
      case 'serve': await serveCommand(rest); break;
      case 'domain': await domainCommand(rest, o); break;
      case 'user': await userCommand(rest, o); break;
      case 'alias': await aliasCommand(rest, o); break;
      case 'dns': await dnsCommand(rest, o); break;
      case 'queue': await queueCommand(rest, o); break;
      case 'import': await importCommand(rest, o); break;
      case 'migrate': await migrateCommand(rest, o); break;
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
