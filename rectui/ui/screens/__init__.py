"""Modal screens: help and the delete confirmation."""

from .confirm_delete import ConfirmDeleteScreen, DeleteChoice
from .help import HelpScreen

__all__ = ["ConfirmDeleteScreen", "DeleteChoice", "HelpScreen"]
