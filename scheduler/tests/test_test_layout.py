"""Shared test helpers are fixtures: no test imports from conftest (pytest loads it; importing it twice
makes a second copy of every fixture module-level object)."""

import re
from pathlib import Path

from django.conf import settings

IMPORTS_CONFTEST = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest)\b", re.MULTILINE)


def test_no_test_imports_from_conftest():
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/tests/**/*.py")
        if ".venv" not in path.parts and IMPORTS_CONFTEST.search(path.read_text())
    ]
    assert offenders == []
