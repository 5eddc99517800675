"""Drives Postern's IMAP server with Python's imaplib: STARTTLS, LOGIN, every common command.
Usage: imaplib_session.py PORT USER PASS. Prints one JSON line of observations; exits 1 on failure."""
import imaplib, json, ssl, sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", port)
out["caps_before"] = sorted(m.capabilities)
m.starttls(ssl_context=ctx)
typ, _ = m.login(user, password)
out["login"] = typ
out["caps_after"] = sorted(m.capabilities)
msg = b"From: a@example.test\r\nSubject: py test\r\n\r\nhello from python\r\n"
typ, data = m.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(1700000000), msg)
out["append"] = [typ, data[0].decode()]
m.create("Py/Sub")
typ, data = m.list('""', "Py*")
out["list"] = [d.decode() for d in data]
typ, data = m.select("INBOX")
out["select"] = [typ, data[0].decode()]
typ, data = m.fetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
out["fetch"] = [d[0].decode() if isinstance(d, tuple) else d.decode() for d in data]
typ, data = m.uid("SEARCH", None, "SUBJECT", '"py test"')
out["search"] = data[0].decode()
typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
out["store"] = data[0].decode()
typ, data = m.copy("1", "Py/Sub")
out["copy"] = typ
typ, data = m.status("Py/Sub", "(MESSAGES UNSEEN UIDNEXT)")
out["status"] = data[0].decode()
m.store("1", "+FLAGS", "(\\Deleted)")
typ, data = m.expunge()
out["expunge"] = [d.decode() for d in data if d]
try:
    m.fetch("1", "(FLAGS)")
    out["fetch_after_expunge"] = "accepted"
except imaplib.IMAP4.error as e:  # sequence number 1 no longer exists
    out["fetch_after_expunge"] = str(e)
m.close()
m.delete("Py/Sub")
m.logout()
print(json.dumps(out))
