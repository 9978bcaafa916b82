-- Acknowledgements to the senders of new requests (RFC 3834 automatic replies). While
-- they are enabled, a row is written in the same transaction as the case it acknowledges,
-- one per opened case, so a crash after the commit finds the row and never queues a
-- second one: `sent` is set only after the SMTP server accepted the message. A case that
-- gets no acknowledgement has a row too, with status `skipped` and the reason, so no
-- decision is silent.
--
-- status: pending (waiting to be sent, or for a retry after next_attempt_at),
--         sent, failed (refused for good by the SMTP server: 5xx), skipped.
CREATE TABLE acknowledgements (
    id               BIGSERIAL PRIMARY KEY,
    case_id          BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    -- The message that opened the case.
    message_sha256   TEXT NOT NULL,
    -- The sender's address, lower-case (the rate limit is per address); NULL without one.
    recipient        TEXT,
    status           TEXT NOT NULL,
    reason           TEXT,
    -- What is sent, fixed when the case opens: our Message-ID (no angle brackets), the
    -- subject, the text, and the original's Message-ID and References for threading.
    message_id       TEXT,
    subject          TEXT,
    body             TEXT,
    in_reply_to      TEXT,
    thread_references TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    next_attempt_at  TIMESTAMPTZ,
    -- A sender's lease, so several `run` processes never send the same row at once.
    claimed_until    TIMESTAMPTZ,
    sent_at          TIMESTAMPTZ,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
);
CREATE INDEX acknowledgements_due ON acknowledgements (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX acknowledgements_by_recipient ON acknowledgements (recipient, created_at)
    WHERE status IN ('pending', 'sent');
