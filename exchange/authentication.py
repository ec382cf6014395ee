"""The API's token authentication: DRF's, refusing a key no token can have before asking the database."""

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication. A key holding a NUL character (which PostgreSQL text cannot hold, so the
    lookup itself failed with a 500) is refused as an invalid token (401), as any other wrong key is."""

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
