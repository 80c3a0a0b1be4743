import sys

from ducu.cli import main

sys.exit(main())
