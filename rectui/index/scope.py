"""A scope: the server-side filters other than time, which decide what a proof is about.

Coverage is recorded per scope, and the index evaluates a scope itself (SQL over the indexed
columns) to count and list its rows. The account-wide scope (no filter) covers every other one:
a span synced for the whole account holds every filtered subset of it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..plivo.filters import RecordingFilter

SCOPE_FIELDS = (
    "from_number", "to_number", "subaccount", "call_uuid", "conference_name",
    "conference_uuid", "mpc_name", "mpc_uuid",
)  # fmt: skip
_NUMBER_FIELDS = ("from_number", "to_number")
_COLUMN = {"subaccount": "owner"}


@dataclass(frozen=True, slots=True)
class Scope:
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, flt: RecordingFilter) -> Scope:
        params = flt.to_params()
        return cls(tuple(sorted((k, params[k]) for k in SCOPE_FIELDS if k in params)))

    @property
    def key(self) -> str:
        return json.dumps(dict(self.params), sort_keys=True)

    @property
    def is_account(self) -> bool:
        return not self.params

    def covering(self) -> tuple[Scope, ...]:
        """The scopes whose coverage answers this one: itself and the whole account."""
        return (self,) if self.is_account else (self, ACCOUNT)

    def as_filter(self) -> RecordingFilter:
        return RecordingFilter().with_values(**dict(self.params))

    def where(self) -> tuple[str, list[Any]]:
        """SQL matching the scope's rows, as the server matches them: numbers with or without
        the leading "+", everything else exactly."""
        clauses: list[str] = []
        params: list[Any] = []
        for name, value in self.params:
            column = _COLUMN.get(name, name)
            if name in _NUMBER_FIELDS:
                clauses.append(f"ltrim({column}, '+') = ?")
                params.append(value.lstrip("+"))
            else:
                clauses.append(f"{column} = ?")
                params.append(value)
        return (" AND ".join(clauses) or "1"), params


ACCOUNT = Scope()
