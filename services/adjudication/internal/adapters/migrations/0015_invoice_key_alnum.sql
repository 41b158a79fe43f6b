-- Issue 19: an invoice number is compared across claims by its letters and
-- digits only, after NFKC, upper case (domain.InvoiceKey): a number padded
-- with dots, soft hyphens or characters that print nothing is the invoice
-- already claimed. The keys stored before are recomputed the same way.
UPDATE case_documents
   SET invoice_key = upper(regexp_replace(normalize(invoice_number, NFKC), '[^[:alnum:]]', '', 'g'))
 WHERE invoice_key <> upper(regexp_replace(normalize(invoice_number, NFKC), '[^[:alnum:]]', '', 'g'));
