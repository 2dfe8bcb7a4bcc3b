"""The grammar ships inside the wheel, and the installed package parses with it.

Builds the wheel from this checkout (hatchling, a dev dependency, so no
network), unpacks it, and runs a fresh interpreter that imports
stream_filters from the unpacked wheel only: the repository's grammar/ is not
reachable from there, so parsing proves the packaged copy is found.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import stream_filters
from stream_filters import QUERY_CALLS
from stream_filters.text import parse_text, to_text
from stream_filters.text.grammar import grammar_source
assert stream_filters.__file__.startswith(sys.argv[1]), stream_filters.__file__
assert "FIELD" in grammar_source()
print(to_text(parse_text(QUERY_CALLS, 'type = "default" AND (ended_at missing or id in ["a"])')))
"""


def test_wheel_carries_the_grammar_and_parses_with_it(tmp_path: Path) -> None:
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", *isolation, "-w", str(tmp_path / "dist")],
        check=True,
        timeout=60,
    )
    (wheel,) = (tmp_path / "dist").glob("stream_filters-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "stream_filters/grammar/filter.lark" in names
        assert archive.read("stream_filters/grammar/filter.lark") == (ROOT / "grammar" / "filter.lark").read_bytes()
        archive.extractall(tmp_path / "site")
    probe = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout == 'type = "default" and (ended_at missing or id in ["a"])\n'
