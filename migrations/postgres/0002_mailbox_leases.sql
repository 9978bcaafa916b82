-- Who works a mailbox: one `lea-intake run` process at a time per configured mailbox
-- (keyed by its configured name). A holder renews its lease well before expires_at; a
-- process that dies stops renewing and another takes the mailbox once the lease expired.
--
-- The timestamps are computed by the processes and bound as parameters, not taken from
-- the database's clock, so both databases behave alike. This assumes the clocks of the
-- machines running lea-intake agree (NTP) to well within the lease time.
CREATE TABLE mailbox_leases (
    mailbox      TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_at  TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);

-- What the last look at each mailbox found, for `lea-intake status`. The last error is
-- kept after later successes; its time tells whether it is still current.
CREATE TABLE mailbox_status (
    mailbox        TEXT PRIMARY KEY,
    last_fetch_at  TIMESTAMPTZ,
    backlog        BIGINT,
    last_error     TEXT,
    last_error_at  TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL
);
