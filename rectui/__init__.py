"""rectui: a keyboard-driven terminal browser for Plivo call recordings."""

__version__ = "0.1.0"
