"""groupfolders: `python main.py [validate|synth] ...`; `cdktf synth` runs it with no arguments."""

import sys

from modules.cli import main

if __name__ == "__main__":
    sys.exit(main())
