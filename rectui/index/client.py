"""A client that writes through to the index: every recording listed from the server is
remembered, every recording deleted (or found gone) is forgotten at once."""

from __future__ import annotations

from typing import Any

from ..plivo.client import AttemptObserver, PlivoClient
from ..plivo.filters import RecordingFilter
from ..plivo.models import RecordingPage
from .store import IndexStore


class WriteThroughClient(PlivoClient):
    def __init__(self, *args: Any, index: IndexStore | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.index = index
        """None: an ordinary client. The client owns it: closing the client closes it."""

    async def aclose(self) -> None:
        await super().aclose()
        if self.index is not None:
            self.index.close()

    async def list_recordings(
        self, flt: RecordingFilter | None = None, *, observe: AttemptObserver | None = None
    ) -> RecordingPage:
        page = await super().list_recordings(flt, observe=observe)
        if self.index is not None:
            self.index.upsert(page.recordings)
        return page

    async def delete_recording(self, recording_id: str) -> bool:
        deleted = await super().delete_recording(recording_id)
        if self.index is not None:
            self.index.delete([recording_id])
        return deleted
