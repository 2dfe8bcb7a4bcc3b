"""The repository is self-contained: every "SPEC §N" resolves in docs/spec.md.

Scans every file git knows (tracked, or new and not ignored), so files added
on other branches are checked when they are merged.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "spec.md"

# "§3", "§5.2", "§1–4", "§2-3": each end of a range must resolve.
REFERENCE = re.compile(r"§\s*(\d+(?:\.\d+)?)(?:\s*[–-]\s*(\d+(?:\.\d+)?))?")
HEADING = re.compile(r"^(?:## (\d+)\.|### (\d+\.\d+)) ", re.MULTILINE)
# Spelled in pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "/work/" + "shared", "shared/" + "SPEC.md")


def _repository_files() -> list[Path]:
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"this test lists the repository's files with git, which failed: {error}")
    files = [ROOT / name for name in listing.decode().split("\0") if name]
    return [path for path in files if path.is_file()]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return []  # binary files hold no references


def spec_sections() -> set[str]:
    return {major or minor for major, minor in HEADING.findall(SPEC.read_text(encoding="utf-8"))}


def test_spec_has_the_briefs_eight_sections() -> None:
    assert {str(n) for n in range(1, 9)} <= spec_sections()


def test_every_spec_reference_resolves() -> None:
    sections = spec_sections()
    unresolved = [
        f"{path.relative_to(ROOT)}:{number}: §{target} (no heading '## {target}.' or '### {target} ' in docs/spec.md)"
        for path in _repository_files()
        for number, line in enumerate(_lines(path), 1)
        for match in REFERENCE.finditer(line)
        for target in match.groups()
        if target is not None and target not in sections
    ]
    assert not unresolved, "references to sections docs/spec.md lacks:\n" + "\n".join(unresolved)


def test_nothing_refers_outside_the_repository() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in _repository_files()
        for number, line in enumerate(_lines(path), 1)
        if any(marker in line for marker in OUTSIDE)
    ]
    assert not outside, "references to paths outside the repository:\n" + "\n".join(outside)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    sections = spec_sections()
    assert "9" not in sections and "5.99" not in sections
    assert [m.groups() for m in REFERENCE.finditer("SPEC §1–4 and (§2-3), §5.2")] == [
        ("1", "4"),
        ("2", "3"),
        ("5.2", None),
    ]


LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def test_links_between_documents_resolve() -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{number}: {target}"
        for path in _repository_files()
        if path.suffix == ".md"
        for number, line in enumerate(_lines(path), 1)
        for target in LINK.findall(line)
        if "://" not in target and not (path.parent / target).resolve().is_file()
    ]
    assert not broken, "links to documents that do not exist:\n" + "\n".join(broken)
