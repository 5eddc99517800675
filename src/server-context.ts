// Everything a listener needs from the outside world, built once by `serve` and passed in, so tests
// can give each part their own: configuration, store, the one resolver, logger, TLS material,
// clock, the shared login throttle and the metrics registry.
import type { Config } from './config/types.ts';
import type { Store } from './store/api.ts';
import type { Resolver } from './dns/resolver.ts';
import type { Logger } from './log.ts';
import type { TlsProvider } from './tls/provider.ts';
import type { Clock } from './clock.ts';
import type { LoginThrottle } from './login/throttle.ts';
import type { Metrics } from './metrics/registry.ts';

export interface ServerContext {
  config: Config;
  store: Store;
  resolver: Resolver;
  log: Logger;
  tls: TlsProvider;
  clock: Clock;
  throttle: LoginThrottle;
  metrics: Metrics;
  /** The listeners serve started, for /healthz (which asks each whether it accepts, in process). */
  listeners?: RunningListener[];
}

/** A started listener; serve closes them all on SIGTERM. */
export interface RunningListener {
  name: string;
  host: string;
  port: number;
  /** Whether the listener still accepts connections (for /healthz); absent means "not checked". */
  accepting?(): boolean;
  close(): Promise<void>;
}
