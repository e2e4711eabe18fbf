"""Profiles: files of settings, one ``KEY=VALUE`` per line, read by ``--env-file``.

The same names as the environment variables (and as the Kubernetes ConfigMap); a variable
already in the environment wins, so one value of a profile can be changed for one run.
"""

from __future__ import annotations

import os
from pathlib import Path

from erestaurant.platform.settings import CannotStart


def read(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise CannotStart(f"cannot read the settings file {path}: {exc.strerror}") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        if not sep or not key.replace("_", "").isalnum():
            raise CannotStart(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        values[key] = value.strip().strip("'\"")
    return values


def load(path: Path) -> None:
    for key, value in read(path).items():
        os.environ.setdefault(key, value)
