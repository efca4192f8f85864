#!/usr/bin/env python3
"""ensure_debian_package.py PACKAGE PATH: make sure PATH exists, installing PACKAGE if needed.

- PATH exists: exit 0 silently.
- Running as root: `apt-get install -y PACKAGE` (after `apt-get update` if that fails, e.g.
  because the package lists are missing), then check PATH again.
- Otherwise: exit 1 saying what to install. Nothing is skipped silently.

Importable: `ensure(package, path)` and `install(package)` raise `MissingPackageError` instead
of exiting.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class MissingPackageError(RuntimeError):
    """PATH is missing and could not be installed."""


def _say(message: str) -> None:
    print(f"ensure_debian_package: {message}", file=sys.stderr, flush=True)


def _apt_get(*args: str) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", *args]
    _say("running " + " ".join(command))
    return subprocess.run(command, env=env, check=False).returncode


def install(package: str) -> None:
    """`apt-get install -y PACKAGE` as root, refreshing the lists first if the install fails."""
    hint = f"sudo apt-get install {package}"
    if os.geteuid() != 0:
        raise MissingPackageError(f"Install the Debian package {package!r}: {hint}")
    if shutil.which("apt-get") is None:
        raise MissingPackageError(
            f"apt-get is not available to install {package!r}. "
            f"Install {package!r} (on Debian/Ubuntu: {hint}) and retry."
        )
    if _apt_get("install", "-y", package) != 0:
        _say("install failed; refreshing the package lists and retrying")
        if _apt_get("update") != 0:
            raise MissingPackageError(
                f"apt-get update failed while installing {package!r}; fix apt and run: {hint}"
            )
        if _apt_get("install", "-y", package) != 0:
            raise MissingPackageError(f"apt-get install {package} failed; see the output above.")


def ensure(package: str, path: str | os.PathLike[str]) -> None:
    """Return when `path` exists; install `package` with apt-get when root; else raise."""
    target = Path(path)
    if target.exists():
        return
    if os.geteuid() != 0:
        raise MissingPackageError(
            f"{target} is missing. Install the Debian package {package!r}: "
            f"sudo apt-get install {package}"
        )
    _say(f"{target} is missing; installing the Debian package {package!r}")
    install(package)
    if not target.exists():
        raise MissingPackageError(
            f"installed {package!r} but {target} still does not exist; "
            "is this the right package for that path?"
        )
    _say(f"installed {package!r}: {target} is there now")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0].startswith("-"):
        print("usage: ensure_debian_package.py PACKAGE PATH", file=sys.stderr)
        return 2
    try:
        ensure(args[0], args[1])
    except MissingPackageError as exc:
        _say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
