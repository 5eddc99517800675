// Every protocol limit Postern enforces, as a named constant with the reason for its number.

/** POP3 command line length including CRLF. RFC 2449 §4 caps client command lines at 255 octets,
 * but RFC 5034 §4 exempts SASL responses from it; 4096 holds any PLAIN response with room to spare. */
export const POP3_LINE_LENGTH = 4096;
/** Commands that may fail in one POP3 session (unknown, wrong state, bad argument) before we hang up,
 * so a confused or hostile client cannot keep a connection busy forever. */
export const POP3_MAX_BAD_COMMANDS = 20;
/** Bytes of a RETR response gathered before one socket write: small messages go out in one write,
 * large ones stream in steps this size, waiting for 'drain' between them. */
export const POP3_WRITE_BATCH = 64 * 1024;
/** Messages whose POP3 size is computed between two yields to the event loop, at a first login. */
export const POP3_OCTETS_PAGE = 200;
