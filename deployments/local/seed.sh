#!/usr/bin/env bash
# seed.sh loads the development policy data (seed/policies.json) into the
# adjudication service that `make run` started, through its import API, signed
# in as an admin. Products first: a policy names its product. Running it again
# replaces the same data.
#   ADJUDICATION  where adjudication listens (default http://127.0.0.1:8082)
#   CLAIMS_SIGNING_KEY_FILE  the console's signing key (default: the one `make run` made)
#   SEED_FILE     the data (default: seed/policies.json next to this script)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ADJ=${ADJUDICATION:-http://127.0.0.1:8082}
SEED_FILE=${SEED_FILE:-$HERE/seed/policies.json}
export CLAIMS_SIGNING_KEY_FILE=${CLAIMS_SIGNING_KEY_FILE:-$ROOT/.local/dev/signing-key.pem}
TOKEN=$("$ROOT/bin/claimsctl" token --sub seed-admin --roles admin --aud adjudication |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# One line per resource: kind, key, JSON body.
python3 - "$SEED_FILE" <<'PY' |
import json, sys
data = json.load(open(sys.argv[1]))
for kind in ("products", "policies"):
    for key, body in data.get(kind, {}).items():
        print(kind, key, json.dumps(body, ensure_ascii=False))
PY
while read -r kind key body; do
  status=$(curl -sS -o /tmp/seed-answer.$$ -w '%{http_code}' -X PUT "$ADJ/v1/$kind/$key" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$body")
  case $status in
    200) echo "[seed] $kind/$key replaced" >&2 ;;
    201) echo "[seed] $kind/$key created" >&2 ;;
    *) echo "[seed] $kind/$key refused with $status: $(cat /tmp/seed-answer.$$)" >&2; rm -f /tmp/seed-answer.$$; exit 1 ;;
  esac
done
rm -f /tmp/seed-answer.$$
