#!/usr/bin/env bash
# Check and start everything the test suite talks to, on 127.0.0.1 only:
# PostgreSQL, RabbitMQ, a private Dovecot (scripts/dovecot.sh) and a private Postfix that
# delivers into it (scripts/postfix.sh). Idempotent.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin"
here="$(cd "$(dirname "$0")" && pwd)"

port_open() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

if ! port_open 5432; then
  echo "services.sh: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start </dev/null >/dev/null 2>&1 || true
fi
if ! port_open 5672; then
  echo "services.sh: starting RabbitMQ" >&2
  rabbitmq-server -detached </dev/null >/dev/null 2>&1 || true
fi
for _ in $(seq 1 60); do port_open 5432 && port_open 5672 && break; sleep 1; done
port_open 5432 || { echo "services.sh: PostgreSQL is not listening on 5432" >&2; exit 1; }
port_open 5672 || { echo "services.sh: RabbitMQ is not listening on 5672" >&2; exit 1; }
"$here/dovecot.sh" start </dev/null
# After Dovecot: Postfix uses its certificate and delivers to its LMTP listener.
"$here/postfix.sh" start </dev/null
