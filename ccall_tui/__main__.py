"""``python -m ccall_tui``: the same as the ``ccall-tui`` command."""

import sys

from .cli import main

sys.exit(main())
