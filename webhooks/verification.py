"""Verifying fal's signed webhook deliveries (ED25519 over request id, user id, timestamp
and the SHA-256 of the raw body; public keys from fal's JWKS document)."""

import base64
import hashlib
import logging
import time
from dataclasses import dataclass

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

REAL_FAL_JWKS_URL = "https://rest.fal.ai/.well-known/jwks.json"
SIGNATURE_HEADERS = (
    "X-Fal-Webhook-Request-Id",
    "X-Fal-Webhook-User-Id",
    "X-Fal-Webhook-Timestamp",
    "X-Fal-Webhook-Signature",
)
# After a signature fails against cached keys we refetch once (keys rotate), but not more
# often than this, so forged traffic can't turn us into a JWKS-fetching loop.
JWKS_REFRESH_COOLDOWN = 60


class InvalidWebhook(Exception):
    """A delivery we refuse; `reason` names why in one word, for counting."""

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedDelivery:
    request_id: str
    user_id: str
    timestamp: int
    signature: str  # hex, lower case


def jwks_url() -> str:
    if settings.FAL_JWKS_URL:
        return settings.FAL_JWKS_URL
    if settings.FAL_MODE == "local":
        return f"{settings.FAL_ENGINE_URL}/rest/.well-known/jwks.json"
    return REAL_FAL_JWKS_URL


def _cache_key(url):
    return "fal-jwks:" + hashlib.sha256(url.encode()).hexdigest()


def _fetch_public_keys(url) -> list[bytes]:
    response = httpx.get(url, timeout=10.0)
    response.raise_for_status()
    keys = []
    for jwk in response.json().get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("x"):
            continue
        x = jwk["x"]
        # fal publishes unpadded base64url; Python's decoder insists on padding.
        keys.append(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    return keys


def public_keys(*, refresh=False) -> list[bytes]:
    url = jwks_url()
    key = _cache_key(url)
    keys = None if refresh else cache.get(key)
    if keys is None:
        try:
            keys = _fetch_public_keys(url)
        except (httpx.HTTPError, ValueError) as exc:
            raise InvalidWebhook(
                f"fal's signing keys could not be fetched ({type(exc).__name__}).", reason="keys_unavailable"
            ) from None
        cache.set(key, keys, settings.FAL_JWKS_CACHE_SECONDS)
    return keys


def signed_message(request_id: str, user_id: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join([request_id, user_id, timestamp, hashlib.sha256(body).hexdigest()]).encode()


def _verifies(keys, signature, message):
    for raw_key in keys:
        try:
            Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            continue
    return False


def verify_fal_signature(headers, body: bytes) -> VerifiedDelivery:
    """Check a delivery's signature against the raw body; return who signed what, when.

    Raises InvalidWebhook for missing headers, a stale or future timestamp, or a signature
    that no current fal key produced.
    """
    values = {}
    for name in SIGNATURE_HEADERS:
        value = headers.get(name)
        if not value:
            raise InvalidWebhook(f"Missing header {name}.", reason="missing_header")
        values[name] = value
    request_id, user_id, timestamp, signature_hex = (values[name] for name in SIGNATURE_HEADERS)
    try:
        sent_at = int(timestamp)
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise InvalidWebhook("Malformed timestamp or signature.", reason="malformed") from None
    if abs(time.time() - sent_at) > settings.FAL_WEBHOOK_TOLERANCE_SECONDS:
        raise InvalidWebhook("Timestamp outside the allowed window.", reason="stale_timestamp")
    # fal signs every account's deliveries with the same keys; pinning our account's user id
    # stops another fal user's (genuinely signed) callbacks from touching our jobs.
    if settings.FAL_WEBHOOK_USER_ID and user_id != settings.FAL_WEBHOOK_USER_ID:
        raise InvalidWebhook("Delivery is for another fal account.", reason="wrong_account")
    message = signed_message(request_id, user_id, timestamp, body)
    verified = VerifiedDelivery(request_id, user_id, sent_at, signature.hex())
    if _verifies(public_keys(), signature, message):
        return verified
    cooldown_key = _cache_key(jwks_url()) + ":refreshed"
    if cache.add(cooldown_key, True, JWKS_REFRESH_COOLDOWN) and _verifies(
        public_keys(refresh=True), signature, message
    ):
        return verified
    raise InvalidWebhook("Signature does not verify.", reason="bad_signature")
