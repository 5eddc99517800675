{ "targets": [ { "target_name": "tcp_quickack", "sources": ["quickack.c"] } ] }
