"""rectui's widgets, one small module each."""

from .detail_pane import DetailPane
from .filter_sidebar import FilterSidebar, FilterSpec
from .player_bar import PlayerBar
from .recording_table import RecordingTable
from .status_header import StatusHeader

__all__ = [
    "DetailPane",
    "FilterSidebar",
    "FilterSpec",
    "PlayerBar",
    "RecordingTable",
    "StatusHeader",
]
