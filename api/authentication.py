"""The API's two token schemes, tried in this order (REST_FRAMEWORK's authentication classes):

- `Authorization: Bearer avs_…` (or `Token avs_…`): a named token from api.models;
- any other `Token <key>`: DRF's own token (the seed's), refusing keys that can't be one."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import TOKEN_PREFIX, ApiToken, hash_secret

# last_used_at is a hint for the owner, not an audit log: written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in (b"bearer", b"token"):
            return None
        try:
            secret = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token contains characters a token never has.") from None
        if not secret.startswith(TOKEN_PREFIX):
            return None
        token = ApiToken.objects.active().select_related("user").filter(secret_hash=hash_secret(secret)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Bearer"


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`. A key with a NUL byte is refused as invalid: PostgreSQL
    can't compare text holding one, so the lookup would otherwise be a 500."""

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
