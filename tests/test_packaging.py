"""The sdist and the wheel carry the licence, the grammar and the specification.

Built offline with hatchling (a dev dependency), straight from this checkout.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(tmp_path: Path) -> tuple[Path, Path]:
    done = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("stream_filters-*.whl")
    (sdist,) = tmp_path.glob("stream_filters-*.tar.gz")
    return wheel, sdist


def test_sdist_and_wheel_carry_licence_grammar_and_spec(tmp_path: Path) -> None:
    wheel, sdist = build(tmp_path)
    licence = (ROOT / "LICENSE").read_bytes()
    assert b"MIT License" in licence
    grammar = (ROOT / "grammar" / "filter.lark").read_bytes()

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (licence_name,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(licence_name) == licence
        assert archive.read("stream_filters/grammar/filter.lark") == grammar
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "License-Expression: MIT" in metadata

    with tarfile.open(sdist) as archive:
        top = sdist.name.removesuffix(".tar.gz")

        def read(name: str) -> bytes:
            member = archive.extractfile(f"{top}/{name}")
            assert member is not None, name
            return member.read()

        assert read("LICENSE") == licence
        assert read("grammar/filter.lark") == grammar
        assert read("docs/spec.md") == (ROOT / "docs" / "spec.md").read_bytes()
