"""`python -m appealgen` runs the command line."""

from appealgen.cli import run

run()
