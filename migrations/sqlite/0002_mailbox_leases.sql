-- Mailbox leases and status: see migrations/postgres/0002_mailbox_leases.sql. Timestamps
-- are fixed-width RFC 3339 text computed by the process, so they compare as strings.
CREATE TABLE mailbox_leases (
    mailbox      TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_at  TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

CREATE TABLE mailbox_status (
    mailbox        TEXT PRIMARY KEY,
    last_fetch_at  TEXT,
    backlog        INTEGER,
    last_error     TEXT,
    last_error_at  TEXT,
    updated_at     TEXT NOT NULL
);
