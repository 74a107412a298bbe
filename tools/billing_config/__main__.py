import sys

from billing_config.cli import main

sys.exit(main())
