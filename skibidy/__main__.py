"""``python -m skibidy``: the same command line as the ``skibidy`` console script."""

import sys

from skibidy.cli import main

sys.exit(main())
