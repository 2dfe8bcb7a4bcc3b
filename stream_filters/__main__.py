"""`python -m stream_filters`: the `stream-filters` command."""

import sys

from .cli import main

sys.exit(main())
