-- Raw messages, content-addressed: a message's bytes are stored once, whatever the
-- number of mailboxes or archives it was seen in.
CREATE TABLE raw_messages (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    stored_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every place a message was seen. For IMAP the key is (account, mailbox, UIDVALIDITY,
-- UID); for archives (archive path, 0, item).
CREATE TABLE message_locations (
    account       TEXT NOT NULL,
    mailbox       TEXT NOT NULL,
    uid_validity  BIGINT NOT NULL,
    item          TEXT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES raw_messages (sha256),
    seen_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account, mailbox, uid_validity, item)
);

CREATE TABLE reference_counters (
    year  INTEGER PRIMARY KEY,
    last  BIGINT NOT NULL
);

CREATE TABLE cases (
    id                BIGSERIAL PRIMARY KEY,
    reference         TEXT NOT NULL UNIQUE,
    opened_at         TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open',
    verdict           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    jurisdiction      TEXT,
    agency_reference  TEXT,
    deadline          DATE,
    subject           TEXT,
    message_count     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE messages (
    id               BIGSERIAL PRIMARY KEY,
    sha256           TEXT NOT NULL UNIQUE REFERENCES raw_messages (sha256),
    case_id          BIGINT NOT NULL REFERENCES cases (id),
    message_id       TEXT,
    subject          TEXT,
    from_address     TEXT,
    received_at      TIMESTAMPTZ NOT NULL,
    mailbox          TEXT NOT NULL,
    parsed           BOOLEAN NOT NULL,
    verdict          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    message_json     TEXT NOT NULL,
    assessment_json  TEXT NOT NULL,
    stored_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_case ON messages (case_id);

-- Normalised targets per case: what links related requests. Indexed both ways.
CREATE TABLE case_targets (
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, value)
);
CREATE INDEX case_targets_by_value ON case_targets (kind, value);

-- The last UID committed per IMAP folder, with the UIDVALIDITY it belongs to.
CREATE TABLE mailbox_cursors (
    account       TEXT NOT NULL,
    mailbox       TEXT NOT NULL,
    uid_validity  BIGINT NOT NULL,
    last_uid      BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account, mailbox)
);

-- Events waiting for the broker. A row is sent only after the broker confirmed it.
-- claimed_until is a lease, so several relays can share the table without holding a
-- transaction open while they publish.
CREATE TABLE outbox (
    id             BIGSERIAL PRIMARY KEY,
    event_id       UUID NOT NULL UNIQUE,
    case_id        BIGINT REFERENCES cases (id),
    routing_key    TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_until  TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
