// Structured logging: JSON lines (pino) for machines, readable lines when stdout is a TTY.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
