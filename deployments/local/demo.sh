#!/usr/bin/env bash
# demo.sh drives one claim from incident report to payout event against the
# system `make run` started.
set -euo pipefail
INTAKE=${INTAKE:-http://127.0.0.1:8081}
ADJ=${ADJUDICATION:-http://127.0.0.1:8082}
PAY=${PAYOUT:-http://127.0.0.1:8083}
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Sign in as a senior handler with the console's key `make run` made.
export CLAIMS_SIGNING_KEY_FILE=${CLAIMS_SIGNING_KEY_FILE:-$ROOT/.local/dev/signing-key.pem}
TOKEN=$("$ROOT/bin/claimsctl" token --sub demo-handler --roles handler,senior_handler,finance | json "['token']")
api() { curl -fsS -H "Authorization: Bearer $TOKEN" "$@"; }

echo "1. report an incident to intake"
# Another day each run; a report matching an open one of the same day is
# answered 409 possible_duplicate unless it says it is another incident
# (confirm_new, issue 20): each demo run drives a claim of its own.
when=$(date -u -d "-$((RANDOM % 300 + 1)) days" +%Y-%m-%dT02:00:00Z)
report=$(api -X POST "$INTAKE/v1/reports" -H 'Content-Type: application/json' -d '{
  "policy_number": "P-2026-000123", "insured_name": "张三", "incident_type": "medical",
  "incident_time": "'"$when"'", "reporter": {"name": "李四", "role": "beneficiary"}, "confirm_new": true}')
echo "$report"
id=$(echo "$report" | json "['id']")
claim=$(echo "$report" | json "['claim_id']")

echo "2. the checklist (R1) lists what to provide; here a handler saw every original at the counter"
for item in $(api "$INTAKE/v1/reports/$id" | json "['checklist']['missing']" | tr -d "[]',"); do
  api -X POST "$INTAKE/v1/reports/$id/checklist/items/$item/satisfy" -H 'Content-Type: application/json' \
    -d '{"reason": "原件已在柜面核验 (demo)"}' >/dev/null
done
echo "   make the claim request: complete, it goes to adjudication at once"
api -X POST "$INTAKE/v1/reports/$id/claim-request"; echo

echo "3. wait for adjudication to open the case"
for _ in $(seq 1 60); do
  api "$ADJ/v1/cases/$claim" >/dev/null 2>&1 && break
  sleep 0.5
done
api "$ADJ/v1/cases/$claim"; echo

echo "4. approve 1,234.56 yuan (signed in as a senior handler: within the authority limit)"
api -X POST "$ADJ/v1/cases/$claim/decision" -H 'Content-Type: application/json' \
  -d '{"outcome": "approve", "lines": [{"benefit": "medical_expense", "claimed_fen": 123456, "approved_fen": 123456}],
       "acknowledge_unknown": "demo: checks that cannot run without the seed data were verified by hand"}'; echo

echo "   the claimant agrees to the amount (R6: pay within 10 days from now)"
api -X POST "$ADJ/v1/cases/$claim/agreement" -H 'Content-Type: application/json' -d '{
  "agreed_by": "李四", "channel": "signed_form",
  "payee": {"name": "李四", "role": "beneficiary", "bank_name": "中国工商银行", "account_number": "6222020200112233445"}}'; echo

echo "5. wait for payout to pay it"
for _ in $(seq 1 60); do
  state=$(api "$PAY/v1/obligations?claim_id=$claim" | json "['obligations'][0]['state'] if True else ''" 2>/dev/null || true)
  [ "$state" = completed ] && break
  sleep 0.5
done
api "$PAY/v1/obligations?claim_id=$claim"; echo
echo "the finance events are on topic claims.payout.v1 (see README: watching the events)"
