// The command table the server hands each IMAP session: every command Postern answers, by
// upper-case name (UID forms share their command's entry), and the mapping of their failures to
// replies. Nothing in imap/session/ imports this file; src/imap/server.ts injects COMMANDS.
import type { Command, CommandTable } from '../session/command-table.ts';
import { completionForError } from './error-replies.ts';
import { append } from './append.ts';
import { authenticateCommand } from './authenticate.ts';
import { cancelupdate } from './cancelupdate.ts';
import { capability } from './capability.ts';
import { check } from './check.ts';
import { close } from './close.ts';
import { compress } from './compress.ts';
import { copy } from './copy.ts';
import { create } from './create.ts';
import { del } from './delete.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch, fetchNew } from './fetch.ts';
import { genurlauth } from './genurlauth.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list, lsub } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { notify } from './notify.ts';
import { getquota, getquotaroot, setquota } from './quota.ts';
import { rename } from './rename.ts';
import { resetkey } from './resetkey.ts';
import { search } from './search.ts';
import { select } from './select.ts';
import { sort, thread } from './sort.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { subscribe } from './subscribe.ts';
import { urlfetch } from './urlfetch.ts';

const BY_NAME = new Map<string, Command<never>>(Object.entries({
  APPEND: append,
  AUTHENTICATE: authenticateCommand,
  CANCELUPDATE: cancelupdate,
  CAPABILITY: capability,
  CHECK: check,
  CLOSE: close,
  COMPRESS: compress,
  COPY: copy,
  CREATE: create,
  DELETE: del,
  ENABLE: enable,
  EXAMINE: select,
  EXPUNGE: expunge,
  FETCH: fetch,
  GENURLAUTH: genurlauth,
  GETQUOTA: getquota,
  GETQUOTAROOT: getquotaroot,
  ID: id,
  IDLE: idle,
  LIST: list,
  LOGIN: login,
  LOGOUT: logout,
  LSUB: lsub,
  MOVE: copy,
  NAMESPACE: namespace,
  NOOP: noop,
  NOTIFY: notify,
  RENAME: rename,
  RESETKEY: resetkey,
  SEARCH: search,
  SELECT: select,
  SETQUOTA: setquota,
  SORT: sort,
  STARTTLS: starttls,
  STATUS: status,
  STORE: store,
  SUBSCRIBE: subscribe,
  THREAD: thread,
  UNSELECT: close,
  UNSUBSCRIBE: subscribe,
  URLFETCH: urlfetch,
}) as [string, Command<never>][]);

export const COMMANDS: CommandTable = {
  get: (name) => BY_NAME.get(name),
  replyForError: completionForError,
  fetchNew,
};
