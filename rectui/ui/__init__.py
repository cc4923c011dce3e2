"""The Textual user interface. Import `RectuiApp` from `rectui.ui.app`."""
