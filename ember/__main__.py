"""`python -m ember <command> ...`: see ember/_cli.py."""
import sys

from ember._cli import main

if __name__ == "__main__":
    sys.exit(main())
