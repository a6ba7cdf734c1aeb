"""groupfolders: `python main.py [COMMAND] ...` (see --help); `cdktf synth` runs it bare."""

from modules.cli import run

if __name__ == "__main__":
    run()
