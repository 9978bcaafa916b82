-- Due dates, related-case links, the security team's decisions about senders, and the
-- senders seen per agency (first contact).

-- When the case is due (the request's deadline, or received + the period of its kind),
-- when a "due soon" notice is due, and, for preservation requests, when the preservation
-- lapses. The *_notice_at columns record that a notice was queued: each is sent once.
ALTER TABLE cases ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN due_soon_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN due_soon_notice_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN overdue_notice_at TIMESTAMPTZ;
-- Opened from an archive import: no notices (years of history are not news).
ALTER TABLE cases ADD COLUMN imported BOOLEAN NOT NULL DEFAULT FALSE;
-- The address that opened the case (as the classifier normalised it), so that a reply
-- from somewhere else can be told apart.
ALTER TABLE cases ADD COLUMN sender_address TEXT;
-- Where the case's events go; later notices about the case follow it.
ALTER TABLE cases ADD COLUMN routing_key TEXT;
-- The security team confirmed the case's sender as an impersonator.
ALTER TABLE cases ADD COLUMN impersonation_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX cases_due_soon ON cases (due_soon_at) WHERE status = 'open' AND due_soon_notice_at IS NULL;
CREATE INDEX cases_overdue ON cases (due_at) WHERE status = 'open' AND overdue_notice_at IS NULL;

-- Case-level signals of each message (first contact, a thread reply from another sender,
-- a target shared with an impersonation), as JSON; the assessment stays as classified.
ALTER TABLE messages ADD COLUMN case_signals_json TEXT NOT NULL DEFAULT '[]';
-- The sender as the classifier normalised it (lower-case address, Unicode domain), for the
-- security team's decisions, which apply to every open case with a message from them.
ALTER TABLE messages ADD COLUMN sender_address TEXT;
ALTER TABLE messages ADD COLUMN sender_domain TEXT;
CREATE INDEX messages_by_sender_address ON messages (sender_address);
CREATE INDEX messages_by_sender_domain ON messages (sender_domain);

-- Cases that name the same normalised target, both directions stored.
CREATE TABLE case_links (
    case_id          BIGINT NOT NULL REFERENCES cases (id),
    related_case_id  BIGINT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL,
    value            TEXT NOT NULL,
    linked_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, related_case_id, kind, value)
);

-- The security team's current decision per address or domain (lower-case), and every
-- decision ever taken.
CREATE TABLE sender_decisions (
    subject     TEXT PRIMARY KEY,
    decision    TEXT NOT NULL,
    note        TEXT,
    decided_by  TEXT,
    decided_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE sender_decision_log (
    id          BIGSERIAL PRIMARY KEY,
    subject     TEXT NOT NULL,
    decision    TEXT NOT NULL,
    note        TEXT,
    decided_by  TEXT,
    decided_at  TIMESTAMPTZ NOT NULL
);

-- Sender addresses seen writing for an agency.
CREATE TABLE known_senders (
    address        TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    first_case_id  BIGINT NOT NULL REFERENCES cases (id)
);
