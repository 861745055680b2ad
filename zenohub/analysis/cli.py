"""``zenohub test``: run a project's behavioral tests headless, for CI.

Exit code 0 when every test passes, 1 when one fails or cannot be evaluated, 2 for a usage or
config error (as every zenohub command). The printing lives here, in the CLI layer.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def cmd_test(args: argparse.Namespace) -> int:
    from ..cli import _project
    from ..errors import ConfigError
    from ._runner import junit_xml, run_tests, summary_table
    from ._testfile import load_tests, tests_path

    project = _project(args.config)
    report = project.process(executor=args.executor, strict=False)
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    path = Path(args.tests) if args.tests else tests_path(project)
    if load_tests(project, path) is None:
        raise ConfigError(
            f"No tests file at {path}: write [[reports]] with [[reports.tests]] there "
            "(see the README's Analysis section), or pass --tests FILE."
        )
    models = [args.model] if args.model else (project.models if args.all_models else None)
    if args.model and args.model not in project.models:
        raise ConfigError(f"No model named {args.model!r}; models: {', '.join(project.models)}.")
    result = run_tests(project, args.report or None, models, source="cli")
    print(summary_table(result))
    if args.junit:
        junit = Path(args.junit)
        junit.parent.mkdir(parents=True, exist_ok=True)
        tmp = junit.with_name(f".{junit.name}.{os.getpid()}.tmp")
        tmp.write_text(junit_xml(result, name=project.name), encoding="utf-8")
        os.replace(tmp, junit)
        print(f"JUnit XML written to {junit}")
    return 0 if result.ok else 1


def register(subparsers: Any) -> None:
    """Add ``zenohub test`` to the CLI's subcommands."""
    p = subparsers.add_parser(
        "test",
        help="run a project's behavioral tests (tests.toml); exit 1 if one fails",
        description=(
            "Run the behavioral tests of tests.toml beside the config for the latest model "
            "(or --model / --all-models). Exit code 0 when all pass, 1 when a test fails or "
            "cannot be evaluated, 2 for a usage or config error."
        ),
    )
    p.add_argument("config", nargs="?", help="project config.toml (default: digits demo)")
    p.add_argument("--model", help="test this model (default: the last in 'models')")
    p.add_argument("--all-models", action="store_true", help="test every model")
    p.add_argument(
        "--report", action="append", metavar="NAME", help="only this report (repeatable)"
    )
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("--tests", metavar="FILE", help="tests file (default: tests.toml beside CONFIG)")
    p.add_argument(
        "--executor",
        choices=["local", "sequential", "dask"],
        help="override the config's executor for processing",
    )
    p.set_defaults(func=cmd_test)
