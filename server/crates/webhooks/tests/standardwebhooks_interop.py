"""Checks Steward's webhook signatures with the official `standardwebhooks`
package. Reads the cases as JSON on stdin; writes the answers as JSON."""

import json
import sys
from datetime import datetime, timezone

from standardwebhooks import Webhook, WebhookVerificationError

cases = json.load(sys.stdin)
verified = []
for case in cases["verify"]:
    try:
        Webhook(case["secret"]).verify(case["payload"], case["headers"], json_parse=False)
        verified.append(True)
    except WebhookVerificationError:
        verified.append(False)
signed = [
    Webhook(case["secret"]).sign(
        msg_id=case["id"],
        timestamp=datetime.fromtimestamp(case["timestamp"], tz=timezone.utc),
        data=case["payload"],
    )
    for case in cases["sign"]
]
json.dump({"verified": verified, "signed": signed}, sys.stdout)
