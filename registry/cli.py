"""`registry` — the project's console command, a thin wrapper over manage.py.

Examples: `registry demo`, `registry seed --people 100000`, `registry audit verify`,
`registry migrate`, `registry runserver`.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["registry", *sys.argv[1:]])


if __name__ == "__main__":
    main()
