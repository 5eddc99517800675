// The port 25 listener: mail from the internet for our domains. smtp-server runs the protocol;
// this module decides. Always true: a 250 at end of DATA is sent only after deliver() resolved
// (the message is committed in every recipient's mailbox); anything refused is stored nowhere;
// every reply carries an RFC 3463 enhanced status code; there is no AUTH on this port, and mail
// is accepted only for recipients that delivery resolves to local accounts.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { ListenAddress } from '../config/types.ts';
import type { RunningListener, ServerContext } from '../server-context.ts';
import { SMTP_LINE_LENGTH, SMTP_MAX_RECEIVED } from '../limits.ts';
import { listenOn } from '../net/listen.ts';
import { deliver, OverQuotaError } from '../delivery/deliver.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { verifyMessage } from '../email-auth/verify.ts';
import { decideInbound } from '../email-auth/inbound-policy.ts';
import { stripForgedResults } from '../email-auth/authentication-results.ts';
import { verdictLabels } from '../email-auth/verdict-labels.ts';
import { serverMetrics } from '../metrics/catalogue.ts';
import { checkRecipient } from './recipient-syntax.ts';
import { buildReceived } from './received-header.ts';
import { isLooping } from './loop-detection.ts';
import { LineEndingNormalizer } from './line-endings.ts';
import { ConnectionLimits } from './connection-limits.ts';
import { rewriteReply } from './enhanced-replies.ts';
import { smtpFailure } from './our-failure.ts';

/** An error smtp-server turns into a reply; `text` starts with its enhanced code. */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

type SendFn = (code: number, data: unknown, context?: unknown) => void;

/** smtp-server with our reply rewrite installed on every connection before it says anything. */
class InboundSmtpServer extends SMTPServer {
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]): void {
    const connection = new SMTPConnection(this, socket, socketOptions);
    const send = connection.send.bind(connection) as SendFn;
    (connection as unknown as { send: SendFn }).send = (code, data, context) => {
      const rewritten = rewriteReply(code, data);
      if (!rewritten) return send(code, data, context);
      send(rewritten.code, rewritten.text, rewritten.context);
      // The parser is gone after an over-long line; the session cannot continue.
      if (rewritten.code === 500 && code === 421) connection.close();
    };
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    // smtp-server's init() holds the greeting back 100 ms to catch clients that talk first; that
    // caps a 20-session sender at 200 connections/s. Our connection limits are enforced in
    // onConnect, so greet at once (as Postfix smtpd does without postscreen).
    connection._setListeners(() => connection.connectionReady());
  }
}

/** Per transaction: the accounts each accepted RCPT resolved to. Keyed by the envelope, which smtp-server replaces on RSET/MAIL. */
const transactionAccounts = new WeakMap<object, Set<number>>();

export async function startInboundSmtp(ctx: ServerContext, address: ListenAddress): Promise<RunningListener> {
  const { config, store, log } = ctx;
  const limits = new ConnectionLimits(config.limits.connections_per_ip, config.limits.connections_total);
  const metrics = serverMetrics(ctx.metrics);
  const refused = (reason: string) => metrics.messagesRefused.inc({ source: 'inbound', reason });

  const server = new InboundSmtpServer({
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
      const admission = limits.admit(session.id, session.remoteAddress);
      if (!admission.admitted) {
        metrics.connectionsRefused.inc({ protocol: 'smtp', reason: admission.reason });
        return callback(reply(421, `4.7.0 Too many connections${admission.reason === 'per-ip' ? ' from your address' : ''}, try again later`));
      }
      metrics.connections.inc({ protocol: 'smtp' });
      callback();
    },

    onClose(session) {
      limits.release(session.id, session.remoteAddress);
    },

    onRcptTo(rcpt: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      acceptRecipient(rcpt.address, session).then(() => callback(), (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'RCPT' })));
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      readMessage(stream).then((content) => finishTransaction(content, stream, session)).then((message) => callback(null, message),
        (err: unknown) => callback(smtpFailure(err, log, { session: session.id, stage: 'DATA' })));
    },
  });
  server.on('error', (err) => log.debug({ err }, 'smtp connection error'));

  async function acceptRecipient(rawAddress: string, session: SMTPServerSession): Promise<void> {
    const check = checkRecipient(rawAddress);
    if (check.kind === 'refuse') throw reply(check.code, `${check.enhanced} ${check.text}`);
    const address = check.kind === 'postmaster' ? `postmaster@${config.hostname}` : rawAddress;
    const resolution = await resolveRecipient(store, address);
    switch (resolution.kind) {
      case 'invalid': throw reply(501, '5.1.3 Bad recipient address syntax');
      case 'not-local': throw reply(554, '5.7.1 Relaying denied');
      case 'unknown-user': throw reply(550, '5.1.1 No such user here');
    }
    for (const id of resolution.accountIds) {
      const account = await store.accounts.byId(id);
      // RFC 3463 X.2.2: mailbox full, temporary so the sender retries once space is freed.
      if (account && account.quotaBytes > 0 && account.usedBytes >= account.quotaBytes) throw reply(452, '4.2.2 Mailbox full, try again later');
    }
    let accounts = transactionAccounts.get(session.envelope);
    if (!accounts) transactionAccounts.set(session.envelope, (accounts = new Set()));
    for (const id of resolution.accountIds) accounts.add(id);
  }

  /** `endedAt`: the clock when the final dot arrived, where delivery latency starts. */
  interface Received { raw: Buffer; bareCr: boolean; endedAt: number }

  function readMessage(stream: SMTPServerDataStream): Promise<Received> {
    return new Promise((resolve, reject) => {
      const normalizer = new LineEndingNormalizer();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        // Past the limit nothing more is kept; smtp-server keeps counting so we can refuse it.
        if (!stream.sizeExceeded) chunks.push(normalizer.push(chunk));
      });
      stream.once('end', () => {
        normalizer.end();
        resolve({ raw: Buffer.concat(chunks), bareCr: normalizer.bareCr, endedAt: ctx.clock.now() });
      });
      stream.once('error', reject);
    });
  }

  async function finishTransaction(content: Received, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    if (stream.sizeExceeded) {
      refused('too-big');
      throw reply(552, `5.3.4 Message exceeds the maximum size of ${config.limits.message_size} bytes`);
    }
    if (content.bareCr) {
      // RFC 5321 §2.3.8: CR appears only in CRLF. A bare CR has no safe meaning (smuggling).
      refused('bare-cr');
      throw reply(554, '5.6.0 Message refused: bare CR in content; lines must end with CRLF');
    }
    if (isLooping(content.raw, SMTP_MAX_RECEIVED)) {
      refused('loop');
      throw reply(554, `5.4.6 Too many Received headers (more than ${SMTP_MAX_RECEIVED}): mail loop`);
    }
    const accounts = transactionAccounts.get(session.envelope);
    if (!accounts || accounts.size === 0) throw reply(503, '5.5.1 No valid recipients');
    const envelope = {
      ip: session.remoteAddress,
      helo: session.hostNameAppearsAs || session.remoteAddress,
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    };
    const verdict = await verifyMessage(content.raw, envelope, { resolver: ctx.resolver, hostname: config.hostname, timeoutMs: config.inbound.verify_timeout_ms });
    for (const labels of verdictLabels(verdict)) metrics.verdicts.inc({ ...labels });
    const decision = decideInbound(verdict, config.inbound);
    if (decision.kind === 'reject' || decision.kind === 'defer') {
      refused(decision.reason);
      log.info({ session: session.id, reason: decision.reason, from: envelope.mailFrom }, `inbound message ${decision.kind}ed`);
      throw reply(decision.code, `${decision.enhanced} ${decision.text}`);
    }
    const id = randomBytes(8).toString('hex');
    const tlsInfo = session.secure && session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : undefined;
    const rcpts = session.envelope.rcptTo;
    // RFC 8601 §5: Authentication-Results goes above the other trace fields, ours included.
    const prefix = verdict.header + buildReceived({
      helo: envelope.helo,
      ip: envelope.ip,
      hostname: config.hostname,
      id,
      tls: tlsInfo,
      smtputf8: session.envelope.smtpUtf8 === true,
      esmtp: session.openingCommand !== 'HELO',
      recipient: rcpts.length === 1 ? rcpts[0]!.address : undefined,
      date: new Date(ctx.clock.now()),
    });
    const mailbox = decision.kind === 'junk' ? '\\Junk' : undefined;
    try {
      await deliver(store, {
        raw: stripForgedResults(content.raw, config.hostname),
        prefix,
        recipients: [...accounts].map((accountId) => ({ accountId, mailbox })),
      });
    } catch (err) {
      if (err instanceof OverQuotaError) {
        refused('over-quota');
        throw reply(452, '4.2.2 Mailbox full, try again later');
      }
      throw err;
    }
    metrics.messagesReceived.inc({ source: 'inbound' });
    // Clamped: a wall clock stepped back mid-transaction must not record a negative latency.
    metrics.deliveryLatency.observe(Math.max(0, ctx.clock.now() - content.endedAt) / 1000, { source: 'inbound' });
    if (decision.kind === 'junk') metrics.messagesJunked.inc({ reason: decision.reason });
    log.info({ session: session.id, id, size: content.raw.length, recipients: accounts.size, verdict: decision.reason, junk: decision.kind === 'junk' }, 'inbound message stored');
    return `Message accepted as ${id}`;
  }

  const bound = await listenOn(server.server, address, 'smtp');
  return {
    name: 'smtp',
    host: bound.host,
    port: bound.port,
    accepting: () => server.server.listening,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
