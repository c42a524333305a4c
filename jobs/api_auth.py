"""The API's token authentication: DRF's, refusing keys that can't be a token before the lookup."""

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`. A key with a NUL byte is refused as invalid: PostgreSQL
    can't compare text holding one, so the lookup would otherwise be a 500."""

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
