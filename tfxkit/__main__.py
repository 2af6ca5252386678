import sys

from tfxkit.cli import main

sys.exit(main())
