// Connecting to PostgreSQL: one pool (the `postgres` package) per process. The password comes
// from the URL, a file or the environment (POSTERN_STORE_PASSWORD), so it never has to be written
// into the main config file. Integers: every column is BIGINT (ms timestamps, ids) and counts
// and sums come back as BIGINT or NUMERIC; all of them fit a JS number (< 2^53), so they are
// parsed as numbers, as the SQLite engine returns them.
import fs from 'node:fs';
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;
/** A connection inside a transaction (sql.begin's callback argument). */
export type Tx = postgres.TransactionSql<Record<string, never>>;

export interface PostgresSettings {
  url: string;
  /** A file holding the password (first line), used when the URL has none. */
  passwordFile?: string;
  /** Connections in the pool. */
  maxConnections?: number;
}

export const PASSWORD_ENV = 'POSTERN_STORE_PASSWORD';

function passwordFor(settings: PostgresSettings): string | undefined {
  if (new URL(settings.url).password) return undefined;
  if (settings.passwordFile) return fs.readFileSync(settings.passwordFile, 'utf8').split(/\r?\n/)[0];
  return process.env[PASSWORD_ENV] || undefined;
}

const asNumber = { to: 20, from: [20, 1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) };

export function connectPostgres(settings: PostgresSettings): Sql {
  const password = passwordFor(settings);
  return postgres(settings.url, {
    ...(password !== undefined ? { password } : {}),
    max: settings.maxConnections ?? 10,
    types: { bigint: asNumber },
    // Notices (CREATE EXTENSION IF NOT EXISTS …) are not errors; the log would only fill up.
    onnotice: () => {},
    connection: { application_name: 'postern' },
  }) as unknown as Sql;
}
