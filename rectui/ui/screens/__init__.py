"""Modal screens: help and the delete confirmation."""

from .confirm_delete import ConfirmDeleteScreen, DeleteChoice, DeleteSummary
from .help import HelpScreen

__all__ = ["ConfirmDeleteScreen", "DeleteChoice", "DeleteSummary", "HelpScreen"]
