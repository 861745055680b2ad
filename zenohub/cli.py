"""The ``zenohub`` command line: the only place in zenohub that prints."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from ._version import __version__
from .analysis import cli as analysis_cli
from .errors import ZenohubError
from .hub import cli as hub_cli


def _progress_printer(quiet: bool) -> Any:
    """A listener drawing one tqdm bar per job (rows done / total, rows per second)."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def listener(job: Any) -> None:
        if quiet:
            return
        if not sys.stderr.isatty():  # a log file: one line per finished job, no bar redraws
            if job.finished:
                state = (
                    "failed"
                    if job.failed
                    else (
                        "cached"
                        if job.cached == job.total
                        else f"{job.rows_per_second:,.0f} rows/s"
                    )
                )
                print(f"{job.job}: {job.done}/{job.total} rows, {state}", file=sys.stderr)
            return
        bar = bars.get(job.job)
        if bar is None:
            bar = bars[job.job] = tqdm(
                total=job.total,
                desc=job.job,
                unit="rows",
                leave=True,
                dynamic_ncols=True,
                file=sys.stderr,
            )
        bar.n = job.done
        if job.finished:
            bar.set_postfix_str(
                "failed" if job.failed else ("cached" if job.cached == job.total else "done")
            )
            bar.refresh()
            bar.close()
        else:
            bar.refresh()

    return listener


def _project(config: str | None) -> Any:
    from .demos import default_config
    from .project import Project

    return Project.from_config(Path(config) if config else default_config())


def _process(project: Any, args: argparse.Namespace) -> int:
    from .pipeline import Progress

    progress = Progress()
    progress.subscribe(_progress_printer(args.quiet))
    report = project.process(executor=args.executor, strict=False, progress=progress)
    print(
        f"{project.name}: {report.rows} rows, {len(report.computed)} computed, "
        f"{len(report.cached)} from cache, {len(report.failures)} failed "
        f"({report.executor}, {report.seconds:.1f} s)"
    )
    if set(report.projections.values()) - {"preview"}:  # some map needed UMAP
        print("projections: " + ", ".join(f"{k} {v}" for k, v in report.projections.items()))
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
    for failure in report.failures:
        print(f"\nerror: {failure}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_process(args: argparse.Namespace) -> int:
    return _process(_project(args.config), args)


def cmd_run(args: argparse.Namespace) -> int:
    import panel as pn

    from .ui.app import page

    project = _project(args.config)
    if not args.no_process:
        _process(project, args)
    else:
        project.load()
    port = args.port or project.config.port
    host = args.host or project.config.host
    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    print(f"Serving {project.name} on http://{'localhost' if host == '127.0.0.1' else host}:{port}")
    pn.serve(
        {"/": lambda: page(project)},
        port=port,
        address=host,
        show=False,
        allow_websocket_origin=origins,
        title="zenohub",
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zenohub",
        description=(
            "Behavior-driven evaluation of ML models. Without CONFIG, commands use the bundled "
            "digits demo (or $ZENOHUB_CONFIG)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"zenohub {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("config", nargs="?", help="project config.toml (default: digits demo)")
        p.add_argument(
            "--executor",
            choices=["local", "sequential", "dask"],
            help="override the config's executor",
        )
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    p = sub.add_parser("process", help="compute and cache every column of a project")
    common(p)
    p.set_defaults(func=cmd_process)
    p = sub.add_parser("run", help="process a project, then serve the app")
    common(p)
    p.add_argument("--port", type=int, help="port (default: config 'port', 5006)")
    p.add_argument("--host", help="address to bind (default: config 'host', 127.0.0.1)")
    p.add_argument("--no-process", action="store_true", help="serve what is cached")
    p.set_defaults(func=cmd_run)
    hub_cli.register(sub)
    analysis_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except ZenohubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `zenohub hub show NAME | head`: the reader stopped
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted; finished batches are cached and the next run resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
