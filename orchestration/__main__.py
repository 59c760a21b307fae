"""``python -m orchestration``: the batch subcommands (batch, sweep, analyze)."""

import sys

from skibidy.cli import main

sys.exit(main())
