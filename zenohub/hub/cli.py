"""``zenohub hub ...``: the hub's commands (the only hub module that prints)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import api

HUB_HELP = (
    "hub URL or folder (default: the project's 'hub', $ZENOHUB_HUB, else the bundled registry)"
)


def _hub(args: argparse.Namespace) -> Any:
    if args.hub:
        return args.hub
    if getattr(args, "project", None):
        from ..config import load_config

        cfg = load_config(args.project)
        if cfg.hub:
            from .client import open_hub

            return open_hub(cfg.hub, base=cfg.base_dir)
    return None


def cmd_search(args: argparse.Namespace) -> int:
    found = api.search(
        " ".join(args.query),
        kind=args.kind or "",
        data_type=args.data_type or "",
        tag=args.tag or "",
        hub=_hub(args),
    )
    for f in found:
        fields = [
            f["name"],
            f["summary"],
            f["version"],
            f["kind"],
            ",".join(f["data_types"]),
            f["author"],
        ]
        print("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in fields))
    if not found:
        print("no function matches", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    f = api.show(args.spec, hub=_hub(args))
    versions = ", ".join(v["version"] + (" (yanked)" if v["yanked"] else "") for v in f["versions"])
    print(f"{f['name']} {f['version']}{'  (yanked)' if f['yanked'] else ''}")
    print(f"  {f['summary']}")
    print(
        f"  kind: {f['kind']}   data types: {', '.join(f['data_types'])}   "
        f"tags: {', '.join(f['tags']) or '-'}"
    )
    print(f"  author: {f['author'] or '-'}   license: {f['license'] or '-'}")
    print(f"  requirements: {', '.join(f['requirements']) or 'none'}")
    print(f"  sha256: {f['sha256']}")
    print(f"  versions: {versions}")
    print()
    print(f["docs"])
    print()
    print(f"--- {f['source']} ---")
    print(f["source_text"], end="" if f["source_text"].endswith("\n") else "\n")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    done = api.install(
        args.spec,
        args.project,
        hub=args.hub or None,
        force=args.force,
        install_requirements=args.install_requirements,
    )
    if not done.changed:
        print(f"{done.name} {done.version} is already installed ({done.path})")
    else:
        was = f" (was {done.previous})" if done.previous else ""
        print(f"installed {done.name} {done.version}{was} into {done.path}, pinned in zenohub.lock")
        print(f"run `zenohub process {args.project}` to compute its column")
    if done.requirements:
        print(f"requires: {' '.join(done.requirements)}")
        if not args.install_requirements:
            print(
                "  (not installed: `pip install "
                + " ".join(repr(r) for r in done.requirements)
                + "` or rerun with --install-requirements)"
            )
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    gone = api.uninstall(args.name, args.project)
    print(f"uninstalled {gone.name} {gone.version} ({gone.path})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for e in api.installed(args.project):
        print(f"{e.name}\t{e.version}\t{e.kind}\t{e.hub}\t{e.path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    problems = api.verify(args.project)
    for e in api.installed(args.project):
        if e.name not in problems:
            print(f"ok\t{e.name}\t{e.version}\t{e.path}")
    for problem in problems.values():
        print(f"modified: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_publish(args: argparse.Namespace) -> int:
    entry, created = api.publish(
        args.target,
        args.version,
        token=args.token,
        hub=args.hub or None,
        summary=args.summary,
        tags=args.tag,
        data_types=args.data_type,
        author=args.author,
        license=args.license,
        requirements=args.requirement,
    )
    state = "published" if created else "already published (identical content)"
    print(f"{state}: {entry['name']} {entry['version']} sha256 {entry['sha256']}")
    return 0


def cmd_yank(args: argparse.Namespace) -> int:
    entry = api.yank(args.spec, token=args.token, hub=args.hub or None, undo=args.undo)
    print(f"{entry['name']} {entry['version']}: {'yanked' if entry['yanked'] else 'restored'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import make_server
    from .store import open_store

    store = open_store(args.registry, args.data)
    if args.max_upload:
        store.max_source_bytes = args.max_upload
    server = make_server(store, args.host, args.port)
    print(
        f"Serving the hub {store.root} on http://{args.host}:{server.server_port}/ "
        "(API /api/v1, /openapi.json)",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from .store import open_store

    token = open_store(args.registry, args.data).create_token(args.user)
    print(token)
    print(f"(token for {args.user}; it is stored hashed and shown only now)", file=sys.stderr)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from .catalog import FolderRegistry

    print(f"wrote {FolderRegistry(args.registry).write_index()}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``hub`` and its subcommands to the ``zenohub`` parser."""
    hub = subparsers.add_parser("hub", help="search, show, install and publish shared functions")
    sub = hub.add_subparsers(dest="hub_command", required=True)

    def add(name: str, func: Any, help: str, project: bool | None = None) -> Any:
        p = sub.add_parser(name, help=help)
        p.set_defaults(func=func)
        if project is not None:
            p.add_argument(
                "--project", required=project, metavar="CONFIG", help="the project's config.toml"
            )
        return p

    p = add("search", cmd_search, "list functions matching words (name, summary, tags)", False)
    p.add_argument("query", nargs="*", help="words to match (none: every function)")
    p.add_argument("--kind", choices=["distill", "metric", "transform"])
    p.add_argument("--data-type", choices=["image", "text", "audio", "tabular", "any"])
    p.add_argument("--tag")
    p.add_argument("--hub", help=HUB_HELP)
    p = add("show", cmd_show, "print a function's documentation and source", False)
    p.add_argument("spec", metavar="NAME[@VERSION]")
    p.add_argument("--hub", help=HUB_HELP)
    p = add(
        "install", cmd_install, "install a function into a project, pinned in zenohub.lock", True
    )
    p.add_argument("spec", metavar="NAME[@VERSION]")
    p.add_argument("--hub", help=HUB_HELP)
    p.add_argument("--force", action="store_true", help="overwrite a locally edited install")
    p.add_argument(
        "--install-requirements",
        action="store_true",
        help="pip install the function's requirements",
    )
    p = add("uninstall", cmd_uninstall, "remove an installed function", True)
    p.add_argument("name")
    add("list", cmd_list, "list a project's installed hub functions", True)
    add("verify", cmd_verify, "check installed functions against zenohub.lock", True)
    p = add("publish", cmd_publish, "publish FILE.py::FUNCTION as a new version")
    p.add_argument("target", metavar="FILE.py::FUNCTION")
    p.add_argument("--version", required=True, help="semantic version, e.g. 1.0.0")
    p.add_argument("--token", help="publishing token (default: $ZENOHUB_HUB_TOKEN)")
    p.add_argument("--hub", help="hub server URL or data folder")
    p.add_argument("--summary", help="one line (default: the docstring's first paragraph)")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    p.add_argument(
        "--data-type",
        action="append",
        default=[],
        choices=["image", "text", "audio", "tabular", "any"],
    )
    p.add_argument(
        "--requirement", action="append", default=[], help="pip requirement (repeatable)"
    )
    p.add_argument("--author")
    p.add_argument("--license")
    p = add("yank", cmd_yank, "hide NAME@VERSION from searches (pinned installs keep working)")
    p.add_argument("spec", metavar="NAME@VERSION")
    p.add_argument("--undo", action="store_true", help="show the version again")
    p.add_argument("--token")
    p.add_argument("--hub", help="hub server URL or data folder")
    p = add("serve", cmd_serve, "serve a hub: JSON API, OpenAPI description, browse pages")
    p.add_argument("--registry", help="registry folder (default: the bundled one)")
    p.add_argument("--data", help="folder of the index, blobs and tokens (see docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--max-upload", type=int, default=0, help="largest source in bytes")
    p = add("token", cmd_token, "admin: create a publishing token")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="create a token for USER and print it once")
    t.set_defaults(func=cmd_token)
    t.add_argument("user")
    t.add_argument("--registry", help="registry folder (default: the bundled one)")
    t.add_argument("--data", help="the hub's data folder")
    p = add("index", cmd_index, "check a registry folder and write its index.json")
    p.add_argument("registry")
