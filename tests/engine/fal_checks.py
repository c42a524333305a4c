"""Checks a test makes the way a fal client or backend would."""

import base64
import hashlib

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

KLING_PRO = "fal-ai/kling-video/v1/pro/ai-avatar"
KLING_STANDARD = "fal-ai/kling-video/v1/standard/ai-avatar"


def verify_with_jwks(jwks_url: str, delivery) -> bool:
    """Verify a delivery the way a backend must: JWKS keys, the raw body's SHA-256, Ed25519."""
    headers = {name.lower(): value for name, value in delivery.headers.items()}
    message = "\n".join(
        [
            headers["x-fal-webhook-request-id"],
            headers["x-fal-webhook-user-id"],
            headers["x-fal-webhook-timestamp"],
            hashlib.sha256(delivery.body).hexdigest(),
        ]
    ).encode()
    signature = bytes.fromhex(headers["x-fal-webhook-signature"])
    for key in httpx.get(jwks_url).json()["keys"]:
        public_bytes = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
        try:
            Ed25519PublicKey.from_public_bytes(public_bytes).verify(signature, message)
            return True
        except InvalidSignature:
            continue
    return False
