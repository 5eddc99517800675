"""URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524) through Python's imaplib, for
test/e2e/imap-urlauth.test.ts. Usage: imaplib_urlauth.py gen|check PORT OWNER PASS OTHER PASS [URLS_JSON].
`gen`: the owner stores two messages, generates URLs (authuser, user+OTHER, user+OWNER, submit+OTHER,
an expired one, one in "Work") and the refused ones, and both users fetch them; the owner resets the
key of "Work". `check` (after the server restarted, with gen's URLs): the other user fetches the
authuser URL again, the owner resets all keys, and it fetches it once more. One JSON object on
stdout; an unexpected refusal of a command is reported as its reply, never raised."""
import imaplib, json, sys

mode, port = sys.argv[1], int(sys.argv[2])
owner, owner_pass, other, other_pass = sys.argv[3:7]
for name in ("GENURLAUTH", "URLFETCH", "RESETKEY"):
    imaplib.Commands[name] = ("AUTH", "SELECTED")


def session(user, password):
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(user, password)
    return c


def text(data):
    out = []
    for d in data:
        if d is None:
            continue
        if isinstance(d, tuple):
            out.append([x.decode("latin1") for x in d])
        else:
            out.append(d.decode("latin1"))
    return out


def command(c, name, *args):
    try:
        typ, data = c._simple_command(name, *args)
    except c.error as e:
        return ["BAD", str(e)]
    return [typ, text(data), text(c._untagged_response(typ, data, name)[1])]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen(c, url):
    typ, data, untagged = command(c, "GENURLAUTH", q(url), "INTERNAL")
    return untagged[0].strip('"') if typ == "OK" else None


out = {}
if mode == "gen":
    a = session(owner, owner_pass)
    out["caps"] = text(a.capability()[1])[0].split()
    a.create("Work")
    msg = b"From: Bob <bob@example.test>\r\nSubject: shared\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n"
    a.append("INBOX", None, None, msg)
    a.append("Work", None, None, b"Subject: work\r\n\r\nwork body\r\n")
    local, domain = owner.split("@")
    base = f"imap://{local}@{domain}/INBOX/;UID=1"
    urls = {
        "authuser": gen(a, base + ";URLAUTH=authuser"),
        "section": gen(a, base + "/;SECTION=1;URLAUTH=authuser"),
        "user_other": gen(a, base + ";URLAUTH=user+" + other),
        "user_owner": gen(a, base + ";URLAUTH=user+" + owner),
        "submit_other": gen(a, base + ";URLAUTH=submit+" + other),
        "expired": gen(a, base + ";EXPIRE=2001-02-03T04:05:06Z;URLAUTH=authuser"),
        "future": gen(a, base + ";EXPIRE=2999-01-01T00:00:00Z;URLAUTH=authuser"),
        "work": gen(a, f"imap://{local}@{domain}/Work/;UID=1;URLAUTH=authuser"),
    }
    out["urls"] = urls
    t = urls["authuser"]
    urls["tampered"] = t[:-1] + ("0" if t[-1] != "0" else "1")
    other_local, other_domain = other.split("@")
    out["refused"] = {
        "other_mailbox": command(a, "GENURLAUTH", q(f"imap://{other_local}@{other_domain}/INBOX/;UID=1;URLAUTH=authuser"), "INTERNAL")[:2],
        "no_such_mailbox": command(a, "GENURLAUTH", q(f"imap://{local}@{domain}/Nope/;UID=1;URLAUTH=authuser"), "INTERNAL")[:2],
        "anonymous": command(a, "GENURLAUTH", q(base + ";URLAUTH=anonymous"), "INTERNAL")[:2],
        "mechanism": command(a, "GENURLAUTH", q(base + ";URLAUTH=authuser"), "XSAMPLE")[:2],
        "not_rump": command(a, "GENURLAUTH", q(base), "INTERNAL")[:2],
        "resetkey_mechanism": command(a, "RESETKEY", "INBOX", "XSAMPLE")[:2],
        "resetkey_no_mailbox": command(a, "RESETKEY", "Nope")[:2],
    }
    out["owner_fetch"] = {k: command(a, "URLFETCH", q(v))[2] for k, v in urls.items()}
    b = session(other, other_pass)
    out["other_fetch"] = {k: command(b, "URLFETCH", q(v))[2] for k, v in urls.items()}
    out["other_extended"] = command(b, "URLFETCH", "(" + q(urls["section"]) + " BODYPARTSTRUCTURE BINARY)")[2]
    out["other_two"] = command(b, "URLFETCH", q(urls["authuser"]), q(urls["tampered"]))[2]
    out["resetkey_work"] = [x for x in command(a, "RESETKEY", "Work")[:2]] + [text(a.response("URLMECH")[1])]
    out["work_after_reset"] = command(b, "URLFETCH", q(urls["work"]))[2]
    a.logout()
    b.logout()
else:
    urls = json.loads(sys.argv[7])
    b = session(other, other_pass)
    out["after_restart"] = command(b, "URLFETCH", q(urls["authuser"]))[2]
    a = session(owner, owner_pass)
    out["resetkey_all"] = command(a, "RESETKEY")[:2]
    out["after_reset_all"] = command(b, "URLFETCH", q(urls["authuser"]))[2]
    out["regenerated_differs"] = gen(a, urls["authuser"].rsplit(":", 2)[0]) != urls["authuser"]
    a.logout()
    b.logout()
print(json.dumps(out))
