"""``python -m towerplan ...`` runs the command-line interface."""

from towerplan.cli import main

raise SystemExit(main())
