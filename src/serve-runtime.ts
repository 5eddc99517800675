// The Node runtime settings `postern serve` runs with. Only a starting process can take them (V8
// sizes its young generation, and glibc reads its malloc tunables, once, at start), so bin/postern
// re-executes itself with them (process.execve: the same PID, nothing else runs in between) and the
// benchmarks start their server processes with them: both measure the same process. Always true: a
// setting the operator already gave (node's command line, NODE_OPTIONS, the environment) is kept,
// never overridden; each setting here has the measurement that justifies it (bench/profiles.md,
// Memory).
import module from 'node:module';

/**
 * V8's young generation grows up to 2 × 64 MB on a large machine under a high allocation rate (the
 * SMTP DATA buffers and parsed header views of every message) and keeps it: 128 MB of the inbound
 * peak. bench/smtp-inbound.ts, 3 alternating rounds of 4,000 messages: capped at 2 × 8 MB the peak
 * was 191–204 MB against 286–314, with 2.7–3.5 ms of server CPU per message against 3.3–3.4 and
 * 185–265 msg/s against 107–215 (no cost beyond the noise of the shared machine; 2 × 16 MB: 200–223).
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/** Environment variables of the serving process. */
export const SERVE_ENVIRONMENT: Readonly<Record<string, string>> = {};

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
