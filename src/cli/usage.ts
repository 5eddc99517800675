// The usage line of every command, kept apart from the commands so that `postern help` and a
// usage error load no command's dependencies.
export const DOMAIN_USAGE = 'postern domain add DOMAIN | domain list | domain remove DOMAIN [--force]';
export const USER_USAGE = 'postern user add ADDRESS [--password-stdin] | user passwd ADDRESS [--password-stdin] | user list [--domain D] | user remove ADDRESS | user quota ADDRESS SIZE';
export const ALIAS_USAGE = 'postern alias add ALIAS TARGET... | alias list | alias remove ALIAS [TARGET...]';
export const DNS_USAGE = 'postern dns records DOMAIN | dns check DOMAIN';
export const QUEUE_USAGE = 'postern queue list | queue show ID | queue retry ID | queue delete ID | queue flush [--wait]';
export const IMPORT_USAGE = 'postern import ADDRESS PATH [--format maildir|mboxrd|mboxo] [--into FOLDER]';
export const SERVE_USAGE = 'postern serve [--config FILE]';
export const MIGRATE_USAGE = 'postern migrate';
export const REINDEX_USAGE = 'postern reindex';
export const BACKUP_USAGE = 'postern backup DIR [--keep N]';
export const VERIFY_USAGE = 'postern verify [DIR]';
export const RESTORE_USAGE = 'postern restore DIR [--force]';
export const EXPORT_USAGE = 'postern export ADDRESS DIR --format maildir|mbox | export --all DIR --format maildir|mbox';
export const SPAM_USAGE = 'postern spam explain USER MESSAGE-ID';
export const SIEVE_USAGE = 'postern sieve list USER | sieve get USER NAME | sieve put USER NAME FILE|- | sieve activate USER NAME | sieve deactivate USER | sieve delete USER NAME';
export const VACATION_USAGE = 'postern vacation USER --on --subject TEXT --message-file FILE [--until YYYY-MM-DD] [--days N] | vacation USER --off';
export const DOCTOR_USAGE = 'postern doctor [--domain D]';
export const REPORTS_USAGE = 'postern reports dmarc [--domain D] [--days N] | reports tls [--domain D] [--days N]';
export const STORE_USAGE = 'postern store copy --to postgres://…|sqlite:DIR';
