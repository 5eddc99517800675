// Command-line parsing for `postern NOUN VERB [args] [--flags]`: positional words, boolean flags
// and flags with a value. Unknown flags are usage errors, so a typo never silently does nothing.
import { UsageError } from './errors.ts';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** `spec` maps each allowed flag to whether it takes a value. --config and --json are always allowed. */
export function parseArgs(argv: string[], spec: Record<string, boolean> = {}): ParsedArgs {
  const allowed: Record<string, boolean> = { config: true, json: false, help: false, ...spec };
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!(name in allowed)) throw new UsageError(`unknown option --${name}`);
    if (allowed[name]) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function expectPositionals(args: ParsedArgs, min: number, max: number, usage: string): string[] {
  if (args.positionals.length < min || args.positionals.length > max) throw new UsageError(`usage: ${usage}`);
  return args.positionals;
}
