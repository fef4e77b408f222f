#!/usr/bin/env python3
"""Bytes per audit row in SQLite (D1's engine), indexes included: 100,000 representative
metadata-mode rows through migrations/, then VACUUM. Prints one figure (docs/audit.md).

    python3 scripts/audit-row-size.py
"""
import json, os, random, sqlite3, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
ROWS = 100_000
random.seed(7)
path = os.path.join(tempfile.mkdtemp(), 'audit.db')
db = sqlite3.connect(path)
for name in sorted(os.listdir(os.path.join(ROOT, 'migrations'))):
    db.executescript(open(os.path.join(ROOT, 'migrations', name)).read())
tools = ['list_all_service_now_incident', 'create_a_service_now_incident', 'get_single_service_now_incident_by_id']
rows = [(1796700000000 + i * 10, '%012x' % random.getrandbits(48), 'mcp', 'mcp_%026x' % random.getrandbits(100),
         'acme', None, 'claude-ai', '0.1.0', '2025-06-18', 'tools/call', random.choice(tools),
         json.dumps(['caller_id', 'short_description', 'urgency']), None, 'ok', None, 200, 200,
         random.randint(50, 900), 1, random.randint(60, 1000), random.randint(0, 1000), random.randint(500, 15000))
        for i in range(ROWS)]
db.executemany('INSERT INTO audit_log (at_ms, request_id, kind, server_id, account_id, user_id, client_name, '
               'client_version, protocol_version, method, tool, argument_keys, arguments, outcome, rpc_code, '
               'http_status, upstream_status, upstream_ms, upstream_requests, total_ms, ratelimit_remaining, '
               'bytes_out) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)', rows)
db.commit()
db.execute('VACUUM')
db.close()
print(f'{os.path.getsize(path) / ROWS:.0f} bytes per audit row, indexes included ({ROWS} rows)')
