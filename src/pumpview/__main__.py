from __future__ import annotations

from pumpview.cli import main

if __name__ == "__main__":  # not when a spawned sync process imports it
    main()
