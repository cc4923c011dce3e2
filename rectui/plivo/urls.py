"""Whether a URL (the API's, from the configuration; a recording's media, from the server) can be
requested at all: checked before a request, so a bad one is one clear line, not a crash inside
the HTTP stack."""

from __future__ import annotations

import httpx


def http_url_problem(url: str) -> str | None:
    """Why `url` is not an absolute http(s) URL httpx can connect to, or None."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return str(exc) or "not a URL"
    if parsed.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parsed.host:
        return "it has no host"
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"port {parsed.port} is out of range (1-65535)"
    return None
