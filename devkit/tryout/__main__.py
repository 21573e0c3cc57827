import sys

from devkit.tryout.cli import main

sys.exit(main())
