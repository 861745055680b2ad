"""The bundled demo projects (``examples/`` in the repository)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

DEMOS = ("digits", "loans")


def examples_root() -> Path:
    """Folder of the bundled examples: ``ZENOHUB_EXAMPLES`` or the repository's ``examples/``."""
    env = os.environ.get("ZENOHUB_EXAMPLES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "examples"


def demo_config(name: str = "digits") -> Path:
    """Path of a bundled demo's config.toml (the default project of ``zenohub run``)."""
    if name not in DEMOS:
        raise ConfigError(f"No demo named {name!r}; demos: {', '.join(DEMOS)}.")
    path = examples_root() / name / "config.toml"
    if not path.exists():
        raise ConfigError(
            f"The bundled demo {name!r} is not at {path}. Run zenohub from a source checkout, "
            "or set ZENOHUB_EXAMPLES to the repository's examples/ folder."
        )
    return path


def default_config() -> Path:
    """``ZENOHUB_CONFIG`` if set, else the digits demo."""
    env = os.environ.get("ZENOHUB_CONFIG")
    return Path(env) if env else demo_config("digits")
