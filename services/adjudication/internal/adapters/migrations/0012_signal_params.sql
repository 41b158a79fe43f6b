-- The values of a fraud signal's explanation (issue 20): the console words
-- the signal in its user's language from its kind and these, instead of
-- showing the English explanation. Signals raised before have none.
ALTER TABLE case_signals ADD COLUMN params jsonb NOT NULL DEFAULT '{}';
