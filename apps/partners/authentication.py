"""``Authorization: Bearer <token>`` for partner systems."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions

from apps.partners import services
from apps.partners.models import ApiToken


class TokenUser:
    """Stands in for ``request.user`` when a partner system calls with a token: no person behind it."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        self.username = f"token:{token.prefix}"

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.username


class InvalidToken(exceptions.AuthenticationFailed):
    invalid_token = True


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[TokenUser, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise InvalidToken("Malformed Authorization header: send 'Bearer <token>'.")
        try:
            token = services.api_token_authenticate(raw=parts[1])
        except services.TokenRejected as exc:
            raise InvalidToken(str(exc)) from exc
        return TokenUser(token), token

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="corridor"'
