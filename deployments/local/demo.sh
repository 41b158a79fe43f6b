#!/usr/bin/env bash
# demo.sh drives one claim from incident report to payout event against the
# system `make run` started.
set -euo pipefail
INTAKE=${INTAKE:-http://127.0.0.1:8081}
ADJ=${ADJUDICATION:-http://127.0.0.1:8082}
PAY=${PAYOUT:-http://127.0.0.1:8083}
json() { python3 -c "import json,sys;print(json.load(sys.stdin)$1)"; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Sign in as a senior handler with the key `make run` made.
AUTH_KEYS=${AUTH_KEYS:-$(cat "$ROOT/.local/dev/auth-keys")}
TOKEN=$(AUTH_KEYS=$AUTH_KEYS "$ROOT/bin/claimsctl" token --sub demo-handler --roles handler,senior_handler,finance | json "['token']")
api() { curl -fsS -H "Authorization: Bearer $TOKEN" "$@"; }

echo "1. report an incident to intake"
report=$(api -X POST "$INTAKE/v1/reports" -H 'Content-Type: application/json' -d '{
  "policy_number": "P-2026-000123", "insured_name": "张三", "incident_type": "medical",
  "incident_time": "2026-09-28T10:00:00+08:00", "reporter": {"name": "李四", "role": "beneficiary"}}')
echo "$report"
id=$(echo "$report" | json "['id']")
claim=$(echo "$report" | json "['claim_id']")

echo "2. make the claim request"
api -X POST "$INTAKE/v1/reports/$id/claim-request"; echo

echo "3. wait for adjudication to open the case"
for _ in $(seq 1 60); do
  api "$ADJ/v1/cases/$claim" >/dev/null 2>&1 && break
  sleep 0.5
done
api "$ADJ/v1/cases/$claim"; echo

echo "4. approve 1,234.56 yuan"
api -X POST "$ADJ/v1/cases/$claim/decision" -H 'Content-Type: application/json' \
  -d '{"outcome": "approve", "amount_fen": 123456, "decided_by": "handler-1"}'; echo

echo "5. wait for payout to pay it"
for _ in $(seq 1 60); do
  state=$(api "$PAY/v1/obligations?claim_id=$claim" | json "['obligations'][0]['state'] if True else ''" 2>/dev/null || true)
  [ "$state" = completed ] && break
  sleep 0.5
done
api "$PAY/v1/obligations?claim_id=$claim"; echo
echo "the finance events are on topic claims.payout.v1 (see README: watching the events)"
