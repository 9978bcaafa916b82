-- Linking reads the latest cases that name a target (ORDER BY case_id DESC LIMIT n). With
-- the case id in the index that is a bounded backward index scan, however many cases
-- have named the target before; without it every holder was read and sorted.
CREATE INDEX case_targets_latest ON case_targets (kind, value, case_id);
DROP INDEX case_targets_by_value;
