// The protocol listeners serve starts, one line each, keyed by their [listen] name.
import type { Config, ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { startImapListener } from '../imap/server.ts';
import { startHttp, startHttps, startOps } from '../http/listener.ts';
import { startInboundSmtp } from '../smtp/inbound-server.ts';
import { startPop3, startPop3s } from '../pop3/server.ts';
import { startSubmission, startSubmissions } from '../smtp/submission-server.ts';
import { startManageSieve } from '../managesieve/server.ts';

export interface ListenerSpec {
  name: Exclude<keyof Config['listen'], 'proxy_protocol_from'>;
  start(ctx: ServerContext, address: ListenAddress): Promise<RunningListener>;
}

export const LISTENERS: ListenerSpec[] = [
  { name: 'smtp', start: startInboundSmtp },
  { name: 'submission', start: startSubmission },
  { name: 'submissions', start: startSubmissions },
  { name: 'pop3', start: startPop3 },
  { name: 'imap', start: (ctx, address) => startImapListener(ctx, address, false) },
  { name: 'imaps', start: (ctx, address) => startImapListener(ctx, address, true) },
  { name: 'pop3s', start: startPop3s },
  { name: 'managesieve', start: startManageSieve },
  { name: 'http', start: startHttp },
  { name: 'https', start: startHttps },
  { name: 'ops', start: startOps },
];
