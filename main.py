"""groupfolders: `python main.py [validate|synth|report|check] ...`; `cdktf synth` runs it bare."""

import os
import sys

EXIT_INTERRUPTED = 130  # the shell's code for SIGINT

if __name__ == "__main__":
    try:
        from modules.cli import main

        code = main()
    except KeyboardInterrupt:
        # Staging directories are already gone and every output directory is as it was. Leave at
        # once: a normal exit would stop the jsii kernel, which Ctrl-C reached too, and print its noise.
        print("interrupted: the output directories are as they were", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)
    sys.exit(code)
