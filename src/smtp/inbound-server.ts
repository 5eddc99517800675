// The port 25 listener: mail from the internet for our domains, as an adapter from smtp-server's
// hooks to the transaction (inbound-transaction.ts), which decides. This file accepts connections
// (counted, PROXY header read, greeting held for [spam] early_talker), turns smtp-server's session
// into our InboundTransaction at MAIL, feeds each RCPT and the DATA stream to it, and hands its
// answer back. Always true: a 250 at end of DATA is sent only after finishTransaction resolved;
// every reply carries an RFC 3463 enhanced status code; there is no AUTH on this port; nothing here
// reads the session after handing it over, and one transaction per session is open at a time.
import net from 'node:net';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { SMTP_LINE_LENGTH } from '../limits.ts';
import { SmtpEngine, type EngineClient } from './engine.ts';
import { ConnectionLimiter } from '../net/connection-limiter.ts';
import { connectionGate } from '../net/connection-gate.ts';
import { parseProxyTrust } from '../config/proxy-trust.ts';
import { listenOn } from '../net/listen.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { LineEndingNormalizer } from './line-endings.ts';
import { inboundReplies } from './enhanced-replies.ts';
import { smtpFailure } from './our-failure.ts';
import { watchDataRate } from './session-deadlines.ts';
import { acceptRecipient, beginTransaction, finishTransaction, inboundDeps, type InboundTransaction, type ReceivedMessage } from './inbound-transaction.ts';

/**
 * RFC 5321 §4.3.1: a client waits for the greeting. [spam] early_talker holds this connection's
 * greeting `ms` (a timer of its own: no other session waits); what the client sends meanwhile is kept
 * in the socket, marks it an early talker (a score, never a refusal: smtp-server would answer 421),
 * and is read as commands once the session has greeted.
 */
function holdGreeting(socket: net.Socket, ms: number, then: (talkedEarly: boolean) => void): void {
  const early: Buffer[] = [];
  const read = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) early.push(chunk);
  };
  const gone = () => clearTimeout(timer);
  socket.on('readable', read);
  socket.once('close', gone);
  const timer = setTimeout(() => {
    socket.off('readable', read);
    socket.off('close', gone);
    if (early.length > 0) socket.unshift(Buffer.concat(early));
    then(early.length > 0);
  }, ms);
}

/** The facts of smtp-server's session a transaction starts with, at MAIL. */
function transactionOf(session: SMTPServerSession, from: SMTPServerAddress, earlyTalker: boolean): InboundTransaction {
  return beginTransaction({
    sessionId: session.id,
    remoteIp: session.remoteAddress,
    helo: session.hostNameAppearsAs || session.remoteAddress,
    esmtp: session.openingCommand !== 'HELO',
    tls: session.secure && session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : null,
    // smtp-server applies MAIL's parameters to the envelope before it calls onMailFrom.
    smtpUtf8: session.envelope.smtpUtf8 === true,
    mailFrom: from.address,
    earlyTalker,
  });
}

/** The DATA stream as one message, normalized to CRLF; `endedAt` read from `now` at the final dot. */
function readMessage(stream: SMTPServerDataStream, now: () => number): Promise<ReceivedMessage> {
  return new Promise((resolve, reject) => {
    const normalizer = new LineEndingNormalizer();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      // Past the limit nothing more is kept; smtp-server keeps counting so we can refuse it.
      if (!stream.sizeExceeded) chunks.push(normalizer.push(chunk));
    });
    stream.once('end', () => {
      normalizer.end();
      resolve({ raw: Buffer.concat(chunks), bareCr: normalizer.bareCr, sizeExceeded: stream.sizeExceeded, endedAt: now() });
    });
    stream.once('error', reject);
  });
}

/** Port 25's SMTP sessions, without the TCP listener: what serve() is given has been admitted already. */
export interface InboundSessions {
  /** Runs one session on an admitted socket for `client` (the address a PROXY header named, or the peer's). */
  serve(socket: net.Socket, client: EngineClient): void;
  /** Stops the sessions (commands from now on get 421). */
  close(): void;
}

export function inboundSessions(ctx: ServerContext): InboundSessions {
  const { config, log } = ctx;
  const deps = inboundDeps(ctx);
  const metrics = serverMetrics(ctx.metrics);
  /** Sessions (by id) that sent data during their greeting pause ([spam] early_talker). */
  const earlyTalkers = new Set<string>();
  /**
   * The open transaction of each session (by id), begun at MAIL. RSET and a second EHLO end it in
   * smtp-server without a hook, but RCPT and DATA then need a new MAIL, which begins a new one.
   */
  const transactions = new Map<string, InboundTransaction>();
  const greetingPauseMs = config.spam.enabled && config.spam.early_talker ? config.spam.greeting_pause_ms : 0;

  const engine = new SmtpEngine({
    name: config.hostname,
    banner: 'Postern',
    ...ctx.tls.serverOptions(),
    disabledCommands: ['AUTH'],
    hideENHANCEDSTATUSCODES: false,
    size: config.limits.message_size,
    maxRecipients: config.limits.recipients,
    // RFC 5321 §4.5.3.1.4: 512 octets including the CRLF; smtp-server counts without it.
    maxCommandLength: SMTP_LINE_LENGTH - 2,
    socketTimeout: config.limits.idle_timeout_s * 1000,
    // Reverse DNS would bypass the one resolver; nothing here depends on it.
    disableReverseLookup: true,
    logger: false,

    onConnect(session, callback) {
      metrics.connections.inc({ protocol: 'smtp' });
      callback();
    },

    onClose(session) {
      earlyTalkers.delete(session.id);
      transactions.delete(session.id);
    },

    onMailFrom(from: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      transactions.set(session.id, transactionOf(session, from, earlyTalkers.has(session.id)));
      callback();
    },

    onRcptTo(rcpt: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const tx = transactions.get(session.id);
      if (!tx) return callback(smtpFailure(new Error('RCPT without a transaction'), log, { session: session.id, stage: 'RCPT' }));
      acceptRecipient(deps, tx, rcpt.address).then(() => callback(), (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'RCPT' })));
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const connection = engine.session(session.id);
      const stopWatch = connection
        ? watchDataRate(connection, () => stream.byteLength ?? 0, config.limits.smtp_data_min_rate, config.limits.smtp_data_grace_s * 1000)
        : () => {};
      stream.once('end', stopWatch);
      stream.once('close', stopWatch);
      const tx = transactions.get(session.id);
      transactions.delete(session.id);
      readMessage(stream, () => ctx.clock.now()).then((content) => {
        if (!tx) throw new Error('DATA without a transaction');
        return finishTransaction(deps, tx, content);
      }).then((message) => callback(null, message),
        (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'DATA' })));
    },
  }, { greetAtOnce: true, replies: inboundReplies });
  engine.onError((err) => log.debug({ err }, 'smtp connection error'));
  return {
    serve(socket, client) {
      if (greetingPauseMs === 0) return void engine.serve(socket, client);
      holdGreeting(socket, greetingPauseMs, (talkedEarly) => {
        const id = engine.serve(socket, client);
        if (talkedEarly && id) earlyTalkers.add(id);
      });
    },
    close: () => engine.close(),
  };
}

export async function startInboundSmtp(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  const { config, log } = ctx;
  const metrics = serverMetrics(ctx.metrics);
  const sessions = inboundSessions(ctx);
  // Counted at accept (before any byte of SMTP), under the client a trusted PROXY header names.
  const server = net.createServer(connectionGate({
    limiter: new ConnectionLimiter({ maxPerIp: config.limits.connections_per_ip, maxTotal: config.limits.connections_total, ipv6Prefix: config.limits.ipv6_prefix }),
    trust: parseProxyTrust(config.listen.proxy_protocol_from),
    refusal: (reason) => `421 4.7.0 Too many connections${reason === 'per-ip' ? ' from your address' : ''}, try again later\r\n`,
    refused: (reason) => metrics.connectionsRefused.inc({ protocol: 'smtp', reason }),
    proxyFailed: (reason, peer, detail) => {
      metrics.proxyHeadersRefused.inc({ protocol: 'smtp', reason });
      log.info({ listener: 'smtp', peer, reason, detail }, 'connection closed: bad PROXY header');
    },
    admitted: (socket, client) => sessions.serve(socket, client),
  }));
  server.on('error', (err) => log.error({ err, listener: 'smtp' }, 'smtp listener error'));
  const bound = await listenOn(server, address, 'smtp');
  return {
    name: 'smtp',
    host: bound.host,
    port: bound.port,
    accepting: () => server.listening,
    close: () => new Promise<void>((resolve) => {
      sessions.close();
      server.close(() => resolve());
    }),
  };
}
