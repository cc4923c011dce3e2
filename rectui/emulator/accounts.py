"""The emulator's accounts: one main account and its subaccounts, derived from the seed."""

from __future__ import annotations

import base64
import binascii
import random
import string
from typing import NamedTuple

_ID_ALPHABET = string.ascii_uppercase + string.digits
_TOKEN_ALPHABET = string.ascii_letters + string.digits


class AccountCredentials(NamedTuple):
    """An auth id and token; unpacks as `auth_id, auth_token = credentials`."""

    auth_id: str
    auth_token: str


def make_accounts(
    seed: int,
    *,
    subaccount_count: int = 2,
    auth_id: str | None = None,
    auth_token: str | None = None,
) -> tuple[AccountCredentials, list[AccountCredentials]]:
    """The main account and its subaccounts.

    Real Plivo auth ids are 20 upper-case alphanumerics, `MA…` for accounts and `SA…` for
    subaccounts. A separate random stream keeps the credentials independent of --count, so a
    demo's printed credentials stay valid when only the amount of data changes.
    """
    rng = random.Random(f"rectui-emulator-accounts:{seed}")

    def new_id(prefix: str) -> str:
        return prefix + "".join(rng.choices(_ID_ALPHABET, k=18))

    def new_token() -> str:
        return "".join(rng.choices(_TOKEN_ALPHABET, k=40))

    main = AccountCredentials(new_id("MA"), new_token())
    if auth_id is not None or auth_token is not None:
        if not auth_id or not auth_token:
            raise ValueError("give both an auth id and an auth token for the main account")
        main = AccountCredentials(auth_id, auth_token)
    subaccounts = [AccountCredentials(new_id("SA"), new_token()) for _ in range(subaccount_count)]
    return main, subaccounts


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """(auth id, token) from an `Authorization: Basic ...` header value, or None."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    auth_id, colon, token = decoded.partition(":")
    return (auth_id, token) if colon else None
