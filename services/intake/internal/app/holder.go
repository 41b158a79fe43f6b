package app

import (
	"context"
	"time"

	"claims.local/intake/internal/domain"
)

// HolderQuery asks the payee's bank whether AccountNumber is held by Name
// and, when IDNumber is not "", by the person of that resident ID number
// (银行卡二要素/三要素验证).
type HolderQuery struct {
	AccountNumber string
	Name          string
	IDNumber      string
}

// HolderVerifier is the account-holder verification of the payee's bank
// (issue 19): a real adapter asks the bank (or UnionPay's gateway) over
// HTTP, the simulator its own register of accounts. It answers
// domain.HolderMatch or domain.HolderNoMatch with the bank's reference; an
// error is a bank that did not answer (unavailable, timed out, an answer
// it could not read), which Service records as domain.HolderUnavailable.
//
// Intake asks it, at the claim request: the one moment a service holds the
// payee's account number and name in clear (they are sealed for payout at
// once, and adjudication, which decides on the answer, never sees them).
// Payout, which opens the payee, would learn the answer only after the
// decision it should have informed. The answer travels to adjudication in
// the claim request intake signs (events.Payee.HolderVerified), never in
// anything the claimant sends.
type HolderVerifier interface {
	Verify(ctx context.Context, q HolderQuery) (domain.HolderCheck, error)
}

// verifyHolder asks the payee's bank whether in's account is held by in's
// name, for at most HolderTimeout. Without a verifier, or when the bank
// does not answer in time, the answer is domain.HolderUnavailable: the
// claim request goes on, and a card whose holder OCR misread stays with a
// handler. It is asked outside the claim file's transaction, so that a
// slow bank holds no lock.
func (s *Service) verifyHolder(ctx context.Context, in domain.AdvanceInput) domain.HolderCheck {
	at := s.d.Now().UTC()
	if s.d.Holders == nil {
		return domain.HolderCheck{Result: domain.HolderUnavailable, At: at}
	}
	ctx, cancel := context.WithTimeout(ctx, s.d.HolderTimeout)
	defer cancel()
	got, err := s.d.Holders.Verify(ctx, HolderQuery{AccountNumber: in.AccountNumber, Name: in.Name})
	if err != nil || ctx.Err() != nil {
		return domain.HolderCheck{Result: domain.HolderUnavailable, At: at}
	}
	got.At = at
	if got.Result != domain.HolderNoMatch && !got.Verified() {
		// An answer the port does not define, or a match without the
		// bank's reference, is no answer.
		return domain.HolderCheck{Result: domain.HolderUnavailable, At: at}
	}
	return got
}

// defaultHolderTimeout bounds the bank's answer when Deps sets none.
const defaultHolderTimeout = 3 * time.Second
