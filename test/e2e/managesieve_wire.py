# ManageSieve over the wire from Python (RFC 5804): STARTTLS, AUTHENTICATE PLAIN with a literal,
# PUTSCRIPT with a non-synchronizing literal (a bad script, then a good one), HAVESPACE,
# LISTSCRIPTS, SETACTIVE, GETSCRIPT, RENAMESCRIPT, CHECKSCRIPT, NOOP, CAPABILITY, DELETESCRIPT,
# LOGOUT; then a second connection that logs in with AUTHENTICATE LOGIN (challenges answered one by
# one, RFC 5804 §2.1) and leaves with LOGOUT. Prints a JSON transcript for the test to check.
import base64, json, socket, ssl, sys

port, user, password, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sock = socket.create_connection(('127.0.0.1', port), timeout=10)
f = sock.makefile('rb')
out = {}

def read_response():
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit('connection closed')
        text = line.decode('utf-8').rstrip('\r\n')
        if text.endswith('}') and '{' in text:
            n = int(text[text.rindex('{') + 1:-1].rstrip('+'))
            text = text[:text.rindex('{')] + f.read(n).decode('utf-8') + f.readline().decode('utf-8').rstrip('\r\n')
        lines.append(text)
        if text.startswith(('OK', 'NO', 'BYE')):
            return lines

def send(data):
    sock.sendall(data.encode('utf-8') if isinstance(data, str) else data)

def literal(s):
    b = s.encode('utf-8')
    return '{%d+}\r\n' % len(b) + s

out['greeting'] = read_response()
send('AUTHENTICATE "PLAIN" "AGJvYgB4"\r\n')
out['auth_before_tls'] = read_response()
send('STARTTLS\r\n')
out['starttls'] = read_response()
ctx = ssl.create_default_context(cafile=cafile)
sock = ctx.wrap_socket(sock, server_hostname='localhost')
f = sock.makefile('rb')
out['after_tls'] = read_response()
plain = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
send('AUTHENTICATE "PLAIN" ' + literal(plain) + '\r\n')
out['auth'] = read_response()
bad = 'require "fileinto";\r\nif true {\r\n  fileinto "x"\r\n}\r\n'
send('PUTSCRIPT "filters" ' + literal(bad) + '\r\n')
out['put_bad'] = read_response()
good = 'require ["fileinto"];\r\n# Sort lists\r\nif exists "list-id" {\r\n  fileinto "Lists";\r\n}\r\n'
send('HAVESPACE "filters" %d\r\n' % len(good))
out['havespace'] = read_response()
send('HAVESPACE "filters" 999999999\r\n')
out['havespace_big'] = read_response()
send('PUTSCRIPT "filters" ' + literal(good) + '\r\n')
out['put_good'] = read_response()
send('CHECKSCRIPT ' + literal('keep') + '\r\n')
out['check_bad'] = read_response()
send('SETACTIVE "filters"\r\n')
out['setactive'] = read_response()
send('LISTSCRIPTS\r\n')
out['list'] = read_response()
send('GETSCRIPT "filters"\r\n')
out['get'] = read_response()
out['get_matches'] = out['get'][0] == good.rstrip('\r\n') or out['get'][0] == good
send('DELETESCRIPT "filters"\r\n')
out['delete_active'] = read_response()
send('RENAMESCRIPT "filters" "main"\r\n')
out['rename'] = read_response()
send('GETSCRIPT "nope"\r\n')
out['get_missing'] = read_response()
send('NOOP "t1"\r\n')
out['noop'] = read_response()
send('CAPABILITY\r\n')
out['capability'] = read_response()
send('FROBNICATE\r\n')
out['unknown'] = read_response()
send('SETACTIVE ""\r\n')
out['deactivate'] = read_response()
send('DELETESCRIPT "main"\r\n')
out['delete'] = read_response()
send('LISTSCRIPTS\r\n')
out['list_empty'] = read_response()
send('LOGOUT\r\n')
out['logout'] = read_response()
sock.close()

def connect_tls():
    global sock, f
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    f = sock.makefile('rb')
    read_response()
    send('STARTTLS\r\n')
    read_response()
    sock = ctx.wrap_socket(sock, server_hostname='localhost')
    f = sock.makefile('rb')
    read_response()

def read_line():
    return f.readline().decode('utf-8').rstrip('\r\n')

b64 = lambda s: base64.b64encode(s.encode()).decode()
connect_tls()
send('AUTHENTICATE "LOGIN"\r\n')
out['login_user_challenge'] = read_line()
send('"%s"\r\n' % b64(user))
out['login_password_challenge'] = read_line()
send('"%s"\r\n' % b64(password))
out['login'] = read_response()
send('LISTSCRIPTS\r\n')
out['login_list'] = read_response()
send('LOGOUT\r\n')
out['login_logout'] = read_response()
print(json.dumps(out))
