"""A notification channel that POSTs each notification as JSON to the centre's own gateway —
the pattern for an SMS, Zalo or push channel: the gateway receives the text in the person's
language, their phone, and a key to deduplicate on.

Settings (instance/config.py or the environment): `ELEARN_CENTRE_WEBHOOK_URL`, and
`ELEARN_CENTRE_WEBHOOK_SECRET` to sign the body: header `X-Elearn-Signature: sha256=<hex
HMAC-SHA256 of the exact body>`, which the gateway recomputes before trusting the request.
Without a URL the channel is not offered at all.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from elearn.api import (
    DeliveryFailed, DeliveryRefused, NotificationChannel, OutgoingMessage, lazy_gettext,
    setting,
)

TIMEOUT_SECONDS = 10


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel(NotificationChannel):
    name = "centre_webhook"
    label = lazy_gettext("The centre's gateway")
    opt_in = False   # the gateway gets every notification and decides how to reach people

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

    def deliver(self, message: OutgoingMessage) -> None:
        body = json.dumps({
            "key": message.key, "kind": message.kind, "person": message.user_id,
            "name": message.recipient_name, "phone": message.phone,
            "language": message.language, "text": message.text, "link": message.link,
            "unsubscribe": message.unsubscribe_url}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Elearn-Signature": signature(self.secret, body),
            "Idempotency-Key": message.key})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            # 408, 429 and 5xx may heal; any other 4xx means the request itself is wrong.
            if exc.code in (408, 429) or exc.code >= 500:
                raise DeliveryFailed(f"HTTP {exc.code}") from exc
            raise DeliveryRefused(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def configured_channels() -> list[WebhookChannel]:
    url = setting("CENTRE_WEBHOOK_URL")
    return [WebhookChannel(url, setting("CENTRE_WEBHOOK_SECRET") or "")] if url else []
