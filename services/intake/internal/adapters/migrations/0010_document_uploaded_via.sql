-- Issue 19: how a document reached intake, beside who uploaded it:
-- 'claimant' when the claimant's own channel (a principal holding only the
-- claimant_channel role) uploaded it, 'staff' otherwise. Documents stored
-- before it was recorded keep '' and count as staff's: straight-through
-- adjudication leaves them to a person (entered_by_staff).
ALTER TABLE documents ADD COLUMN uploaded_via text NOT NULL DEFAULT '';
