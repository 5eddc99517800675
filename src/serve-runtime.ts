// The Node runtime settings `postern serve` runs with. Only a starting process can take them (V8
// sizes its young generation, and glibc reads its malloc tunables, once, at start), so bin/postern
// re-executes itself with them (process.execve: the same PID, nothing else runs in between) and the
// benchmarks start their server processes with them: both measure the same process. Always true: a
// setting the operator already gave (node's command line, NODE_OPTIONS, the environment) is kept,
// never overridden; each setting here has the measurement that justifies it (bench/profiles.md,
// Memory).
import module from 'node:module';

/**
 * Measured with bench/smtp-inbound.ts (smtp-source 20 sessions × 4,000 × 4 KiB, new connection per
 * message), alternating runs on the shared 2-core machine; figures: peak RSS, server CPU per message.
 * - `--max-semi-space-size=8`: V8's young generation otherwise grows to 2 × 64 MB on a large machine
 *   under the allocation rate of the DATA buffers and parsed header views, and keeps it (128 MB of
 *   the peak). Capped at 2 × 8 MB: 191–204 MB against 286–314, 2.7–3.5 ms against 3.3–3.4. At 2 × 4
 *   MB the peak fell ~8 MB more but CPU rose to 3.3–3.8 ms, so 8.
 * - `--heap-growing-percent=30`: after a full GC V8 lets the old generation grow to up to ~2× what
 *   survived (30–70 MB of mostly garbage over ~30 MB live, measured by a heap snapshot under load),
 *   and promoted Buffers keep their memory until that GC; capped at 1.3×, old space stays 26–31 MB.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=30'];

/**
 * Environment variables of the serving process. `MALLOC_ARENA_MAX=2`: glibc gives each thread that
 * allocates its own 64 MB arena (V8's compiler and GC threads, libuv's pool, the checkpoint worker)
 * and keeps what they freed: 27 MB of thread arenas under load. With both: peak 163–185 MB against
 * 193–227 with the young-generation cap alone, at 2.9–3.3 ms of CPU per message against 2.6–3.2.
 */
export const SERVE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The settings missing from a process started with `execArgv` and `env`; null when none is. */
export function missingServeSettings(execArgv: readonly string[], env: NodeJS.ProcessEnv): { flags: string[]; env: Record<string, string> } | null {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map((arg) => arg.split('=')[0]!.replaceAll('_', '-'));
  const flags = SERVE_NODE_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]!));
  const missingEnv = Object.fromEntries(Object.entries(SERVE_ENVIRONMENT).filter(([name]) => env[name] === undefined));
  return flags.length === 0 && Object.keys(missingEnv).length === 0 ? null : { flags, env: missingEnv };
}

/**
 * The command line and environment of a server child process (benchmarks) started from this one:
 * the settings above and, as bin/postern gives serve one, a compile cache (this process's, else
 * Node's default folder), without which the child and its worker threads strip types at each start.
 */
export function serveChildRuntime(execArgv: readonly string[], env: NodeJS.ProcessEnv): { execArgv: string[]; env: NodeJS.ProcessEnv } {
  const missing = missingServeSettings(execArgv, env);
  const cache = env.NODE_DISABLE_COMPILE_CACHE ? undefined : module.getCompileCacheDir() ?? module.enableCompileCache().directory;
  return { execArgv: [...(missing?.flags ?? []), ...execArgv], env: { ...env, ...missing?.env, ...(cache ? { NODE_COMPILE_CACHE: cache } : {}) } };
}
