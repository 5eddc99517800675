"""Fills or dumps a Postern account with Python's imaplib (STARTTLS, LOGIN), for the export/import
round trip. Usage: imaplib_mailboxes.py fill|dump PORT USER PASS. `dump` prints one JSON object:
mailbox name (as LIST shows it) -> [[sha256 of BODY[], sorted flags without \\Recent, INTERNALDATE]]
in UID order, for every mailbox holding messages. Exits 1 on any IMAP failure."""
import base64, hashlib, imaplib, json, re, ssl, sys

mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def mutf7(name):
    """RFC 3501 section 5.1.3 modified UTF-7."""
    out, buf = [], ""

    def flush():
        nonlocal buf
        if buf:
            out.append("&" + base64.b64encode(buf.encode("utf-16-be")).decode().rstrip("=").replace("/", ",") + "-")
            buf = ""

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf += ch
    flush()
    return "".join(out)


def quoted(name):
    return '"' + mutf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(result):
    typ, data = result
    if typ != "OK":
        raise SystemExit(f"IMAP failure: {typ} {data}")
    return data


ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", port)
m.starttls(ssl_context=ctx)
check(m.login(user, password))

if mode == "fill":
    def msg(subject, body):
        return (f"From: Bob <bob@example.test>\r\nTo: {user}\r\nSubject: {subject}\r\nMessage-ID: <{abs(hash(subject))}@rt>\r\n"
                f"Date: Mon, 6 Jan 2020 10:00:00 +0000\r\n\r\n{body}\r\n").encode()
    for folder in ["Work", "Work/Projects", "Ünïcode & more"]:
        check(m.create(quoted(folder)))
    big = "\r\n".join(f"line {i} of a message that spans two stored chunks" for i in range(2500))
    messages = [
        ("INBOX", r"(\Seen)", msg("plain", "hello")),
        ("INBOX", r"(\Flagged $Label1)", msg("from lines", "From the start of a line\r\n>From quoted once\r\n>>From quoted twice\r\nend")),
        ("INBOX", r"(\Answered \Draft Important)", msg("answered draft", "text")),
        ("INBOX", "()", msg("large", big)),
        ("INBOX", r"(\Deleted)", msg("deleted but not expunged", "gone soon")),
        ("Sent", r"(\Seen)", msg("sent", "I wrote this")),
        ("Work", "()", msg("work", "work")),
        ("Work/Projects", r"($Forwarded \Seen)", msg("forwarded", "forwarded")),
        ("Ünïcode & more", "()", msg("unicode folder", "in a folder with a non-ASCII name")),
    ]
    for i, (folder, flags, raw) in enumerate(messages):
        check(m.append(quoted(folder), flags, imaplib.Time2Internaldate(1600000000 + i * 3600), raw))
    print(json.dumps({"appended": len(messages)}))
else:
    out = {}
    for line in check(m.list('""', "*")):
        name = re.match(rb'\((.*?)\) "(.)" (.*)$', line).group(3).decode()
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        typ, data = m.select('"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"', readonly=True)
        if typ != "OK" or int(data[0]) == 0:
            continue
        rows = []
        for item in check(m.fetch("1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")):
            if not isinstance(item, tuple):
                continue
            head, body = item
            flags = sorted(f for f in re.search(rb"FLAGS \(([^)]*)\)", head).group(1).decode().split() if f != "\\Recent")
            date = re.search(rb'INTERNALDATE "([^"]+)"', head).group(1).decode()
            rows.append([hashlib.sha256(body).hexdigest(), flags, date])
        out[name] = rows
    print(json.dumps(out, sort_keys=True))
m.logout()
