"""Writes the peers' deterministic bench messages (gen_messages.make_message, same seed => same
bytes as Dovecot's maildir) to stdout as: 4-byte big-endian length, 8-byte big-endian internal
date (s), 1 byte seen flag, then the CRLF message. Usage: dump_messages.py PEERS_DIR COUNT SEED"""
import struct, sys

sys.path.insert(0, sys.argv[1])
import gen_messages  # noqa: E402

out = sys.stdout.buffer
for i in range(1, int(sys.argv[2]) + 1):
    data, t, seen = gen_messages.make_message(i, int(sys.argv[3]))
    out.write(struct.pack(">IQB", len(data), t, 1 if seen else 0))
    out.write(data)
