"""Modal screens: help and the delete confirmation."""

from .confirm_delete import ConfirmDeleteScreen, DeleteSummary
from .help import HelpScreen

__all__ = ["ConfirmDeleteScreen", "DeleteSummary", "HelpScreen"]
