// The shape of `postern doctor`'s answer: one row per check with ok / warn / fail and, when not ok,
// the fix. Always true: a row that is not ok says what to do; only "fail" makes the command exit 1
// (so cron mails the operator), "warn" is printed but exits 0.

export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorRow {
  /** What was checked, e.g. "reverse DNS 192.0.2.10". */
  check: string;
  status: DoctorStatus;
  /** What was found. */
  found: string;
  fix?: string;
}

export function doctorFailed(rows: DoctorRow[]): boolean {
  return rows.some((r) => r.status === 'fail');
}

export function summary(rows: DoctorRow[]): string {
  const n = (s: DoctorStatus) => rows.filter((r) => r.status === s).length;
  return `${n('ok')} ok, ${n('warn')} warn, ${n('fail')} fail`;
}
