"""groupfolders: `python main.py [validate|synth|report|check] ...`; `cdktf synth` runs it bare."""

import sys

EXIT_INTERRUPTED = 130  # the shell's code for SIGINT; every output directory is left as it was

if __name__ == "__main__":
    try:
        from modules.cli import main

        code = main()
    except KeyboardInterrupt:
        print("interrupted: the output directories are as they were", file=sys.stderr)
        code = EXIT_INTERRUPTED
    sys.exit(code)
