"""SAVEDATE (RFC 8514) and the OBJECTID STATUS item through Python's imaplib, for
test/e2e/imap-objectid-savedate.test.ts. Usage: imaplib_savedate.py fill|check PORT USER PASS.
`fill` APPENDs a message with an old internal date to INBOX, waits over a second, COPYs it to
"Saved" and prints what FETCH and SEARCH answer; `check` (after the server restarted) prints the same
FETCH and STATUS again. One JSON object on stdout; exits 1 on any IMAP failure."""
import imaplib, json, sys, time

mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = imaplib.IMAP4("127.0.0.1", port)
c.login(user, password)
out = {}


def ok(res):
    typ, data = res
    if typ != "OK":
        sys.exit(f"IMAP failure: {typ} {data}")
    return [d.decode() if isinstance(d, bytes) else d[0].decode() for d in data if d is not None]


def fetch(box, items):
    ok(c.select(box))
    return ok(c.fetch("1", items))


out["caps"] = ok(c.capability())[0].split()
if mode == "fill":
    out["create"] = ok(c.create("Saved"))
    msg = b"From: Bob <bob@example.test>\r\nSubject: saved\r\n\r\nhello\r\n"
    ok(c.append("INBOX", None, imaplib.Time2Internaldate((2020, 1, 2, 3, 4, 5, 0, 0, -1)), msg))
    time.sleep(1.2)
    ok(c.select("INBOX"))
    ok(c.copy("1", "Saved"))
    out["inbox"] = fetch("INBOX", "(SAVEDATE INTERNALDATE EMAILID THREADID)")
    out["saved"] = fetch("Saved", "(SAVEDATE INTERNALDATE EMAILID)")
    day = time.strftime("%d-%b-%Y", time.gmtime())
    tomorrow = time.strftime("%d-%b-%Y", time.gmtime(time.time() + 86400))
    out["day"] = day
    for key in ["SAVEDSINCE " + day, "SAVEDON " + day, "SAVEDBEFORE " + day, "SAVEDSINCE " + tomorrow, "SINCE " + day, "SAVEDATESUPPORTED"]:
        out["search " + key.replace(day, "today").replace(tomorrow, "tomorrow")] = ok(c.search(None, key))[0]
    try:
        out["search bad date"] = c.search(None, "SAVEDSINCE", "not-a-date")[0]
    except imaplib.IMAP4.error as e:
        out["search bad date"] = str(e)
else:
    out["saved"] = fetch("Saved", "(SAVEDATE INTERNALDATE EMAILID)")
    out["status"] = ok(c.status("Saved", "(MAILBOXID MESSAGES)"))
c.logout()
print(json.dumps(out))
