"""``python -m quotes`` runs the command line."""

from quotes.cli import main

main()
