// Progress of a long CLI operation (import, reindex, queue flush): a redrawn bar on a terminal, plain
// lines otherwise (cron, pipes, CI logs). What must always be true: output goes to the given stream
// (stderr by default, so --json on stdout stays parseable); a terminal is redrawn at most every
// REDRAW_MS and a log gets a line at most every LINE_MS, so progress never costs more than the work.

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** Advance by n units (default 1). */
  tick(n?: number): void;
  /** Set the total once it is known (or changes). */
  setTotal(total: number): void;
  /** Print the final state and end the bar's line. */
  done(): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  /** Unit shown after counts, e.g. "messages" or "bytes". */
  unit?: string;
  stream?: ProgressStream;
  now?: () => number;
}

const REDRAW_MS = 100;
const LINE_MS = 5_000;
const BAR_WIDTH = 30;

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const unit = options.unit ? ` ${options.unit}` : '';
  let total = options.total;
  let done = 0;
  let lastDraw = -Infinity;
  let finished = false;

  const describe = () => {
    const counts = total !== undefined ? `${done}/${total}${unit}` : `${done}${unit}`;
    const pct = total ? ` (${Math.floor((Math.min(done, total) / total) * 100)}%)` : '';
    return { counts, pct };
  };

  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < (tty ? REDRAW_MS : LINE_MS)) return;
    lastDraw = t;
    const { counts, pct } = describe();
    if (tty) {
      const filled = total ? Math.round((Math.min(done, total) / total) * BAR_WIDTH) : 0;
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
      stream.write(`\r\x1b[K${options.label} ${bar}${counts}${pct}`);
    } else {
      stream.write(`${options.label}: ${counts}${pct}\n`);
    }
  };

  return {
    tick(n = 1) {
      done += n;
      draw(false);
    },
    setTotal(t) {
      total = t;
    },
    done() {
      if (finished) return;
      finished = true;
      draw(true);
      if (tty) stream.write('\n');
    },
  };
}
