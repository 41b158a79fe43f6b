-- Catastrophe fast-track mode (R8): a report whose incident matched an
-- active catastrophe when it was taken is tagged with its code, and keeps
-- what the claimant was told of the fast channel: the catastrophe's name and
-- the advance its policy granted then. Reports stored before, and reports
-- that matched none, have an empty code.
ALTER TABLE incident_reports
    ADD COLUMN catastrophe_code  text    NOT NULL DEFAULT '',
    ADD COLUMN catastrophe_name  text    NOT NULL DEFAULT '',
    ADD COLUMN advance_share_bps integer NOT NULL DEFAULT 0 CHECK (advance_share_bps BETWEEN 0 AND 10000),
    ADD COLUMN advance_cap_fen   bigint  NOT NULL DEFAULT 0 CHECK (advance_cap_fen >= 0),
    ADD CONSTRAINT incident_reports_fast_channel CHECK ((catastrophe_code = '') = (catastrophe_name = ''));

-- The reports of a catastrophe, for its team.
CREATE INDEX incident_reports_catastrophe ON incident_reports (catastrophe_code, reported_at) WHERE catastrophe_code <> '';
