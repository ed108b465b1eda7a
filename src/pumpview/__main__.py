from __future__ import annotations

from pumpview.cli import main

main()
