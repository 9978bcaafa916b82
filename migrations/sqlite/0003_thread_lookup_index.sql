-- Threading looks up the first stored message of each Message-ID. With the row id in the
-- index that is one index probe per Message-ID, however many stored messages share it
-- (resent messages, copies in several folders).
CREATE INDEX messages_by_message_id_first ON messages (message_id, id);
DROP INDEX messages_by_message_id;
