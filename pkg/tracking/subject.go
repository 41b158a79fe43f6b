package tracking

// ClaimSubject names the deadlines a service owes on a whole claim (intake's
// R3 notice, adjudication's R4 decision, R5 letter, R7 advance):
// "claim/<claim id>".
func ClaimSubject(claimID string) string { return "claim/" + claimID }

// PaymentSubject names the deadlines of one of payout's payment obligations
// (R6 payment, R9 result notice): "payout/<obligation id>".
func PaymentSubject(obligationID string) string { return "payout/" + obligationID }
