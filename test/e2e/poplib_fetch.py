"""Fetches a maildrop with Python's poplib over STLS or POP3S, printing one JSON line.
Usage: poplib_fetch.py PORT USER PASSWORD stls|pop3s [dele]
Each message comes back as poplib hands it to an application (lines unstuffed, CRLF re-added),
base64-encoded, with LIST's octet count and the count RETR reported, for byte-identity checks."""
import base64, json, poplib, ssl, sys

port, user, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
dele = len(sys.argv) > 5 and sys.argv[5] == "dele"
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if mode == "pop3s":
    p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=20)
else:
    p = poplib.POP3("127.0.0.1", port, timeout=20)
    p.stls(context=ctx)
capa = p.capa()
p.user(user)
p.pass_(password)
count, total = p.stat()
listing = [int(l.split()[1]) for l in p.list()[1]]
uidl = [l.split()[1].decode() for l in p.uidl()[1]]
top = p.top(1, 0)[1] if count else []
messages, retr_octets = [], []
for i in range(1, count + 1):
    _, lines, octets = p.retr(i)
    messages.append(base64.b64encode(b"".join(l + b"\r\n" for l in lines)).decode())
    retr_octets.append(octets)
    if dele:
        p.dele(i)
p.quit()
print(json.dumps({"capa": sorted(capa.keys()), "stat": [count, total], "list": listing, "uidl": uidl,
                  "messages": messages, "retr_octets": retr_octets, "top_lines": len(top)}))
