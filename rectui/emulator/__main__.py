"""`python -m rectui.emulator`: the same as `rectui emulator`."""

from .cli import main

raise SystemExit(main())
