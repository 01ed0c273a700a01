"""``python -m mockint`` runs the command-line interface."""

from mockint.cli import main

main()
