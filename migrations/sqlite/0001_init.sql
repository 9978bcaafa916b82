-- The embedded store: the same model as the PostgreSQL one (see migrations/postgres),
-- with SQLite types. Timestamps are RFC 3339 text, booleans integers.

CREATE TABLE raw_messages (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    stored_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE message_locations (
    account       TEXT NOT NULL,
    mailbox       TEXT NOT NULL,
    uid_validity  INTEGER NOT NULL,
    item          TEXT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES raw_messages (sha256),
    seen_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (account, mailbox, uid_validity, item)
);

CREATE TABLE reference_counters (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    reference         TEXT NOT NULL UNIQUE,
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open',
    verdict           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    jurisdiction      TEXT,
    agency_reference  TEXT,
    deadline          TEXT,
    subject           TEXT,
    message_count     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256           TEXT NOT NULL UNIQUE REFERENCES raw_messages (sha256),
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    message_id       TEXT,
    subject          TEXT,
    from_address     TEXT,
    received_at      TEXT NOT NULL,
    mailbox          TEXT NOT NULL,
    parsed           INTEGER NOT NULL,
    verdict          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    message_json     TEXT NOT NULL,
    assessment_json  TEXT NOT NULL,
    stored_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_case ON messages (case_id);

CREATE TABLE case_targets (
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, value)
);
CREATE INDEX case_targets_by_value ON case_targets (kind, value);

CREATE TABLE mailbox_cursors (
    account       TEXT NOT NULL,
    mailbox       TEXT NOT NULL,
    uid_validity  INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (account, mailbox)
);

CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL UNIQUE,
    case_id        INTEGER REFERENCES cases (id),
    routing_key    TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    claimed_until  TEXT,
    sent_at        TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
