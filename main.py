"""groupfolders: `python main.py [validate|synth|report|check] ...`; `cdktf synth` runs it bare."""

import sys

from modules.cli import main

if __name__ == "__main__":
    sys.exit(main())
