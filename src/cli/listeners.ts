// The protocol listeners serve starts, one line each, keyed by their [listen] name.
import type { Config, ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { startHttp, startHttps } from '../http/listener.ts';
import { startInboundSmtp } from '../smtp/inbound-server.ts';
import { startPop3, startPop3s } from '../pop3/server.ts';

export interface ListenerSpec {
  name: keyof Config['listen'];
  start(ctx: ServerContext, address: ListenAddress): Promise<RunningListener>;
}

export const LISTENERS: ListenerSpec[] = [
  { name: 'http', start: startHttp },
  { name: 'https', start: startHttps },
  { name: 'smtp', start: startInboundSmtp },
  { name: 'pop3', start: (ctx, address) => startPop3(ctx, address) },
  { name: 'pop3s', start: (ctx, address) => startPop3s(ctx, address) },
];
