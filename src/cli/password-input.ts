// Reading a new password: from standard input with --password-stdin (scripts), else a prompt that
// does not echo, asked twice, when standard input is a terminal.
import { UsageError } from './errors.ts';

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    return checked(password);
  }
  if (!process.stdin.isTTY) throw new UsageError('no terminal to prompt for a password: pass it on standard input with --password-stdin');
  const first = await prompt('Password: ');
  const second = await prompt('Again: ');
  if (first !== second) throw new UsageError('the two passwords differ');
  return checked(first);
}

function checked(password: string): string {
  if (password.length < 8) throw new UsageError('the password must have at least 8 characters');
  if (/[\0\r\n]/.test(password)) throw new UsageError('the password may not contain NUL or line breaks');
  return password;
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          return reject(new UsageError('cancelled'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
