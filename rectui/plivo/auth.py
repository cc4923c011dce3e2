"""Credentials and the rule for where they may be sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

PLIVO_API_URL = "https://api.plivo.com"
PLIVO_MEDIA_HOST = "media.plivo.com"


@dataclass(frozen=True, slots=True)
class Credentials:
    auth_id: str
    auth_token: str = field(repr=False)
    """Never shown: not in repr, not in messages, not on screen."""

    def basic_auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.auth_id, self.auth_token)

    def redact(self, text: str) -> str:
        """Remove the token from any text before it is shown or logged."""
        return text.replace(self.auth_token, "••••") if self.auth_token else text


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a malformed port: matches nothing
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def media_credentials_allowed(media_url: str, api_base_url: str) -> bool:
    """Basic auth goes to the configured API's own origin and to Plivo's media host over HTTPS,
    never elsewhere: a recording_url may point at a storage bucket (or another port, or plain
    HTTP) that must not learn the account's token."""
    origin = _origin(media_url)
    return bool(origin[1]) and origin in {
        _origin(api_base_url),
        ("https", PLIVO_MEDIA_HOST, 443),
    }


_ACCOUNT_IN_PATH = re.compile(r"/Account/([^/]+)/")


def account_in_url(url: str | None) -> str | None:
    """The auth id a media or resource URL belongs to (`/v1/Account/{auth_id}/Recording/…`).

    Plivo's objects do not say which subaccount made a recording, but its URLs do, and media
    behind HTTP auth needs that subaccount's own credentials.
    """
    match = _ACCOUNT_IN_PATH.search(urlsplit(url or "").path)
    return match.group(1) if match else None
