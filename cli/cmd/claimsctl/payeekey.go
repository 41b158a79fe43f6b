package main

import "claims.local/pkg/sealed"

// runPayeeKey makes a new X25519 key pair for sealing the payees of payment
// instructions for payout (issue 17) and prints {"key_id", "private",
// "public"}: private goes into payout's PAYOUT_PAYEE_OPEN_KEYS (first,
// beside the key it replaces until no instruction sealed for that one is
// unread), public is adjudication's ADJUDICATION_PAYEE_SEAL_KEY. make run
// keeps a pair in .local/dev.
func runPayeeKey(e env, args []string) int {
	return runKeyPair(e, "payee-key", payeeKeyUsage, "the key id adjudication seals for, e.g. payout-2026-12", args,
		func(id string) (map[string]string, error) {
			kp, err := sealed.GenerateKeyPair(id)
			if err != nil {
				return nil, err
			}
			return map[string]string{"key_id": kp.ID, "private": kp.Private, "public": kp.Public}, nil
		})
}

const payeeKeyUsage = `usage: claimsctl payee-key --id KEY_ID

Makes an X25519 key pair payees of payment instructions are sealed for and
prints {"key_id", "private", "public"}: "private" is one entry of
PAYOUT_PAYEE_OPEN_KEYS (payout only), "public" the value of
ADJUDICATION_PAYEE_SEAL_KEY (adjudication).
`
