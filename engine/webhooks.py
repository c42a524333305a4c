"""Signed webhook deliveries, as fal sends them when a request submitted with fal_webhook ends.

The signing key is derived from SECRET_KEY, so the JWKS the engine publishes stays the same
across restarts and a backend's cached keys keep verifying.
"""

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from .faults import WebhookPlan
from .records import Outcome

logger = logging.getLogger(__name__)

# The user id of a delivery signed without naming an account (tests and benchmarks forging
# fal's deliveries); every request's own deliveries name its account (user_id_for_key).
LOCAL_USER_ID = "local-engine-user"
KEY_ID = "local-1"
# fal's documented per-attempt timeout.
DELIVERY_TIMEOUT_SECONDS = 15.0


@lru_cache(maxsize=4)
def signing_key_for(secret_key: str) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"avatar-studio-engine", info=b"fal-webhook-ed25519"
    ).derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return signing_key_for(settings.SECRET_KEY)


def jwks() -> dict:
    """The public key set, in the RFC 8037 form fal publishes (base64url without padding)."""
    public = signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": KEY_ID}]}


def webhook_body(request_id: str, outcome: Outcome) -> bytes:
    """The delivery body, serialised as real fal does: sorted keys, ", " and ": " separators."""
    if outcome.succeeded:
        document = {"error": None, "payload": outcome.body, "status": "OK"}
    else:
        document = {"error": f"Invalid status code: {outcome.status_code}", "payload": outcome.body, "status": "ERROR"}
    document.update({"gateway_request_id": request_id, "request_id": request_id})
    return json.dumps(document, sort_keys=True).encode()


def user_id_for_key(key: str) -> str:
    """A stable fal user id per whole key (`<id>:<secret>`, or a bearer token); fal's are
    opaque strings too. A hash, so the engine keeps no key and its ids reveal none."""
    return "user-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def signed_headers(
    request_id: str, body: bytes, timestamp: int | None = None, user_id: str = LOCAL_USER_ID
) -> dict[str, str]:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    message = "\n".join([request_id, user_id, timestamp, hashlib.sha256(body).hexdigest()])
    return {
        "Content-Type": "application/json",
        "X-Fal-Webhook-Request-Id": request_id,
        "X-Fal-Webhook-User-Id": user_id,
        "X-Fal-Webhook-Timestamp": timestamp,
        "X-Fal-Webhook-Signature": signing_key().sign(message.encode()).hex(),
    }


def deliver_in_background(
    url: str,
    request_id: str,
    body: bytes,
    plan: WebhookPlan,
    record_attempt: Callable[[bool], None],
    still_wanted: Callable[[], bool],
    user_id: str = LOCAL_USER_ID,
) -> threading.Thread | None:
    """Start delivering (unless the plan drops it); `still_wanted` turns False after an engine reset."""
    if plan.dropped:
        return None
    thread = threading.Thread(
        target=deliver,
        args=(url, request_id, body, plan, record_attempt, still_wanted, user_id),
        name=f"fal-webhook-{request_id}",
        daemon=True,
    )
    thread.start()
    return thread


def deliver(url, request_id, body, plan: WebhookPlan, record_attempt, still_wanted, user_id=LOCAL_USER_ID) -> None:
    if plan.delay_seconds > 0:
        time.sleep(plan.delay_seconds)
    for _ in range(plan.copies):
        deliver_once(url, request_id, body, plan, record_attempt, still_wanted, user_id)


def retry_delays(plan: WebhookPlan) -> list[float]:
    """Seconds to wait before each retry: doubling from base_delay, capped at max_delay, and
    scaled by settings.ENGINE_WEBHOOK_RETRY_SCALE (1 = fal's real pace)."""
    scale = float(getattr(settings, "ENGINE_WEBHOOK_RETRY_SCALE", 1.0))
    delays, delay = [], plan.base_delay
    for _ in range(plan.attempts - 1):
        delays.append(delay * scale)
        delay = min(delay * 2, plan.max_delay)
    return delays


def deliver_once(
    url, request_id, body, plan: WebhookPlan, record_attempt, still_wanted, user_id=LOCAL_USER_ID
) -> bool:
    """Post until a 2xx answer or the attempts run out; redirects count as failures, as on fal."""
    delays = retry_delays(plan)
    with httpx.Client(timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt in range(1, plan.attempts + 1):
            if not still_wanted():
                return False
            try:
                # Signed afresh each attempt so a late retry still passes the timestamp window.
                response = client.post(url, content=body, headers=signed_headers(request_id, body, user_id=user_id))
                delivered = response.is_success
            except httpx.HTTPError as exc:
                logger.info("webhook for %s: attempt %d failed: %s", request_id, attempt, exc)
                delivered = False
            record_attempt(delivered)
            if delivered:
                return True
            if attempt < plan.attempts:
                time.sleep(delays[attempt - 1])
    logger.warning("webhook for %s: gave up after %d attempts", request_id, plan.attempts)
    return False
