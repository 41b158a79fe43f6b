-- What a report linked to a stored one of the same incident said: its
-- description and claimed amount, kept on the link instead of dropped
-- (issue 20). Links made before keep the empty defaults.
ALTER TABLE report_links
    ADD COLUMN description        text   NOT NULL DEFAULT '',
    ADD COLUMN claimed_amount_fen bigint NOT NULL DEFAULT 0;
