"""The core runs without Django (import-linter forbids the import; this checks a fresh interpreter), and its
homoglyph table is the one the pinned confusables package gives."""

import subprocess
import sys
from pathlib import Path

from screening.core import homoglyph_table
from screening.core.homoglyph_table_build import TABLE_PATH, homoglyphs_from_confusables, table_source

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_core_imports_and_screens_without_django():
    code = (
        "import sys\n"
        "from screening.core import ListingInput, Screener, Snapshot\n"
        "snapshot = Snapshot.from_dict({'brands': [{'id': 'b', 'name': 'Northwind'}]})\n"
        "result = Screener(snapshot).screen(ListingInput(1, 'N0rthw1nd replica'))\n"
        "assert result.brand_id == 'b', result\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'portal', 'listings', 'rights_holders'))\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_homoglyph_table_is_the_confusables_table():
    table = homoglyphs_from_confusables()
    assert table == homoglyph_table.HOMOGLYPHS, "regenerate: python -m screening.core.homoglyph_table_build"
    assert TABLE_PATH.read_text(encoding="utf-8") == table_source(table)


def test_the_table_maps_cyrillic_and_greek_look_alikes():
    table = homoglyph_table.HOMOGLYPHS
    assert table["а"] == "a" and table["о"] == "o" and table["Н"] == "H" and table["ѕ"] == "s"  # Cyrillic
    assert table["ο"] == "o" and table["Ν"] == "N" and table["Α"] == "A" and table["ρ"] == "p"  # Greek
