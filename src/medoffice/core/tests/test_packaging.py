"""A plain `pip install .` must ship templates, static files and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_wheel_carries_package_data(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("medoffice-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    source = ROOT / "src"
    expected = [
        p.relative_to(source).as_posix()
        for pattern in (
            "medoffice/**/templates/**/*.html",
            "medoffice/**/static/**/*.*",
            "medoffice/**/migrations/0*.py",
        )
        for p in source.glob(pattern)
    ]
    assert expected, "nothing to look for"
    missing = [name for name in expected if name not in names]
    assert not missing, f"not in the wheel: {missing[:10]}"
    assert not [n for n in names if "/tests/" in n], "tests stay out of the wheel"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "medoffice = medoffice.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
