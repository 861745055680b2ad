"""The slices sidebar: saved slices grouped by folder, their editing, and a predicate-tree builder.

Thin views over :class:`zenohub.state.ExploreState` and the project's :class:`~zenohub.store.Store`;
the logic they need (grouping, the table of sizes and metrics, editing a filter tree at a path,
parsing a typed value) is in the small pure functions at the top, tested without Panel.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import panel as pn
import param

from ..errors import ZenohubError
from ..filters import (
    FilterGroup,
    Predicate,
    add_at,
    allowed_ops,
    compile_filter,
    item_at,
    parse_value,
    remove_at,
    set_combine_at,
    tree_items,
    value_kind,
)
from ..state import ExploreState
from ..store import Folder, Slice

#: the label of "no folder" in folder dropdowns
TOP_LEVEL = "(top level)"
#: the ``column_filters`` key under which the builder's tree is applied
BUILDER_KEY = "slice builder"

CSS = """
.zh-slices-message { color: #b00020; white-space: pre-wrap; }
.zh-builder-tree { font-family: monospace; white-space: pre; font-size: 12px; }
"""

# --- pure logic ---------------------------------------------------------------------------------


def group_by_folder(
    folders: Sequence[Folder], slices: Sequence[Slice]
) -> list[tuple[str | None, list[Slice]]]:
    """(folder name or None, its slices): top level first, then every folder in creation order."""
    by_id: dict[int | None, list[Slice]] = {None: [], **{f.id: [] for f in folders}}
    for sl in slices:
        by_id.setdefault(sl.folder_id if sl.folder_id in by_id else None, []).append(sl)
    return [(None, by_id[None])] + [(f.name, by_id[f.id]) for f in folders]


def slice_table(state: ExploreState) -> pd.DataFrame:
    """One row per slice (grouped by folder): folder, name, size and the state's metric for its
    model (computed through the session's cross-filter, see :meth:`ExploreState.slice_stats`)."""
    store = state.proj.store
    col = state.metric or "metric"
    groups = group_by_folder(store.folders(), store.slices())
    ordered = [(folder, sl) for folder, slices in groups for sl in slices]
    stats = state.slice_stats([sl for _, sl in ordered])
    rows = [
        {"folder": folder or TOP_LEVEL, "slice": sl.name, "size": size, col: round(value, 4)}
        for (folder, sl), (size, value) in zip(ordered, stats, strict=True)
    ]
    return pd.DataFrame(rows, columns=["folder", "slice", "size", col])


def _ignore(_result: object) -> None:
    """Button callbacks return None; the actions' own result is for tests and scripts."""


def _served() -> bool:
    return pn.state.curdoc is not None and pn.state.curdoc.session_context is not None


class _StoreView(pn.viewable.Viewer):
    """Shared by both views: the state, the store revision and a message about the last action."""

    state = param.ClassSelector(class_=ExploreState, doc="""The session's state.""")
    revision = param.Integer(default=0, doc="""Store revision last shown.""")
    message = param.String(default="", doc="""Why the last action changed nothing.""")

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def poll(self) -> None:
        """Notice changes made by this or another session."""
        self.revision = self._s.proj.store.revision()

    def run(self, action: Callable[[], object]) -> bool:
        """Do one store action; an error is shown in ``message`` and changes nothing."""
        try:
            action()
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        self.message = ""
        self.poll()
        return True

    def _message(self, message: str) -> pn.pane.HTML:
        text = f"<div class='zh-slices-message'>{html.escape(message)}</div>" if message else ""
        return pn.pane.HTML(text, stylesheets=[CSS], sizing_mode="stretch_width")

    def _button(
        self, name: str, action: Callable[[], object], edits: bool = True, **kw: Any
    ) -> pn.widgets.Button:
        """A button running ``action``; one that ``edits`` the store is off unless editable."""
        disabled = edits and not self._s.proj.config.editable
        button = pn.widgets.Button(
            name=name, disabled=disabled, sizing_mode="stretch_width", min_width=60, **kw
        )
        button.on_click(lambda _e: _ignore(action()))
        return button


def _folder(label: str | None) -> str | None:
    return None if not label or label == TOP_LEVEL else label


class SliceBuilder(_StoreView):
    """Build a nested AND/OR predicate tree, preview its count, save it or apply it."""

    tree = param.ClassSelector(class_=FilterGroup, default=FilterGroup("and"), doc="""The tree.""")
    target: param.Selector = param.Selector(
        default="root", objects=["root"], doc="""Group that gets new items."""
    )
    remove_item: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Item to drop."""
    )
    column: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Predicate column."""
    )
    op: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Predicate op."""
    )
    value = param.String(default="", doc="""Predicate value as typed.""")
    combine: param.Selector = param.Selector(
        default="or", objects=["and", "or"], doc="""Joining of a group."""
    )
    save_name = param.String(default="", doc="""Name to save the tree as.""")
    folder: param.Selector = param.Selector(
        default=TOP_LEVEL, objects=[TOP_LEVEL], doc="""Folder to save to."""
    )
    count = param.Integer(default=0, doc="""Rows matching the tree.""")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.param.column.objects = list(self._s.proj.columns)
        self.column = next(iter(self.param.column.objects), None)
        self._on_revision()
        self._on_tree()

    @param.depends("column", watch=True)
    def _on_column(self) -> None:
        p = self._s.proj
        info = p.columns.get(self.column or "")
        ops = allowed_ops(p.table[self.column], info.ctype) if info else ()
        self.param.op.objects = list(ops)
        if self.op not in ops:
            self.op = ops[0] if ops else None

    @param.depends("revision", watch=True)
    def _on_revision(self) -> None:
        self.param.folder.objects = [TOP_LEVEL, *(f.name for f in self._s.proj.store.folders())]
        if self.folder not in self.param.folder.objects:
            self.folder = TOP_LEVEL

    @param.depends("tree", watch=True)
    def _on_tree(self) -> None:
        items = tree_items(self.tree)
        self._paths = {text.strip(): path for path, text in items}
        groups = [
            text.strip()
            for path, text in items
            if isinstance(item_at(self.tree, path), FilterGroup)
        ]
        self.param.target.objects = groups
        if self.target not in groups:
            self.target = groups[0]
        removable = [text.strip() for path, text in items if path]
        self.param.remove_item.objects = removable
        self.remove_item = removable[-1] if removable else None
        self.count = int(self._s.proj.mask(self.tree).sum())

    def _edit(self, fn: Callable[[FilterGroup], FilterGroup]) -> bool:
        try:
            tree = fn(self.tree)
            p = self._s.proj
            types = {k: c.ctype for k, c in p.columns.items()}
            compile_filter(tree, p.table.iloc[:0], types)
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        self.message = ""
        self.tree = tree
        return True

    def add_condition(self) -> bool:
        """Add ``column op value`` to the target group."""
        if not self.column or not self.op:
            self.message = "Choose a column and an op first."
            return False
        column, op, kind = self.column, self.op, value_kind(self._s.proj.table[self.column])
        return self._edit(
            lambda t: add_at(
                t,
                self._paths[self.target],
                Predicate(column, op, parse_value(self.value, op, kind)),
            )
        )

    def add_group(self) -> bool:
        """Add an empty group joining with ``combine`` to the target group."""
        return self._edit(lambda t: add_at(t, self._paths[self.target], FilterGroup(self.combine)))

    def set_combine(self) -> bool:
        """Make the target group join its items with ``combine``."""
        return self._edit(lambda t: set_combine_at(t, self._paths[self.target], self.combine))

    def remove(self) -> bool:
        """Remove the chosen item (and everything under it)."""
        if self.remove_item is None:
            self.message = "There is nothing to remove."
            return False
        return self._edit(lambda t: remove_at(t, self._paths[self.remove_item]))

    def save(self) -> bool:
        """Save the tree as a slice named ``name`` in ``folder``."""
        ok = self.run(
            lambda: self._s.proj.store.create_slice(
                self.save_name, filter=self.tree.to_dict(), folder=_folder(self.folder)
            )
        )
        if ok:
            self.save_name = ""
        return ok

    def apply(self) -> bool:
        """Use the tree as a filter of the page (a removable chip)."""
        ok = self._s.set_column_filter(BUILDER_KEY, self.tree if self.tree.items else None)
        self.message = "" if ok else self._s.message
        return ok

    def _tree_view(self, tree: FilterGroup, count: int) -> pn.pane.HTML:
        lines = "\n".join(html.escape(text) for _p, text in tree_items(tree))
        return pn.pane.HTML(
            f"<div class='zh-builder-tree'>{lines}</div>"
            f"<div><b class='zh-builder-count'>{count}</b> matching rows</div>",
            stylesheets=[CSS],
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        def widget(name: str, cls: Any, label: str, **kw: Any) -> Any:
            return cls.from_param(
                self.param[name],
                name=label,
                css_classes=[f"zh-builder-{name}"],
                sizing_mode="stretch_width",
                **kw,
            )

        def act(label: str, fn: Callable[[], bool], **kw: Any) -> pn.widgets.Button:
            return self._button(label, fn, edits=False, **kw)

        return pn.Column(
            pn.bind(self._tree_view, self.param.tree, self.param.count),
            widget("target", pn.widgets.Select, "Add to group"),
            widget("column", pn.widgets.Select, "Column"),
            widget("op", pn.widgets.Select, "Op"),
            widget("value", pn.widgets.TextInput, "Value", placeholder="e.g. 4, or a, b, or 1, 2"),
            act("Add condition", self.add_condition, button_type="primary"),
            widget("combine", pn.widgets.Select, "Group joins with"),
            pn.Row(act("Add group", self.add_group), act("Set join", self.set_combine)),
            widget("remove_item", pn.widgets.Select, "Item"),
            act("Remove", self.remove),
            pn.bind(self._message, self.param.message),
            act("Apply as filter", self.apply),
            widget("save_name", pn.widgets.TextInput, "Save as", placeholder="name for this tree"),
            widget("folder", pn.widgets.Select, "in folder"),
            self._button("Save built slice", self.save, button_type="primary"),
            sizing_mode="stretch_width",
        )


class SlicesPanel(_StoreView):
    """Saved slices by folder with size and metric; tick to filter; save, edit and organise."""

    slice_name = param.String(default="", doc="""Name to save the current filter as.""")
    save_folder: param.Selector = param.Selector(
        default=TOP_LEVEL, objects=[TOP_LEVEL], doc="""Its folder."""
    )
    edit_slice: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Slice to edit."""
    )
    new_name = param.String(default="", doc="""New name of ``edit_slice``.""")
    move_to: param.Selector = param.Selector(
        default=TOP_LEVEL, objects=[TOP_LEVEL], doc="""Where to move it."""
    )
    folder: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Folder to edit."""
    )
    folder_name = param.String(default="", doc="""Name of a new or renamed folder.""")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.builder = SliceBuilder(state=self.state)
        self.param.watch(lambda e: setattr(self.builder, "revision", e.new), "revision")
        self.builder.param.watch(lambda e: setattr(self, "revision", e.new), "revision")
        self.poll()
        self._on_revision()

    @param.depends("revision", watch=True)
    def _on_revision(self) -> None:
        store = self._s.proj.store
        folders = [f.name for f in store.folders()]
        slices = [sl.name for sl in store.slices()]
        for name, objects in (
            ("save_folder", [TOP_LEVEL, *folders]),
            ("move_to", [TOP_LEVEL, *folders]),
            ("edit_slice", slices),
            ("folder", folders),
        ):
            self.param[name].objects = objects
            if getattr(self, name) not in objects:
                setattr(self, name, objects[0] if objects else None)
        gone = [n for n in self._s.slice_names if n not in slices]
        if gone:  # deleted or renamed: drop it from the filter
            self._s.slice_names = [n for n in self._s.slice_names if n in slices]

    # --- actions (each one store transaction) -----------------------------------------------
    def save(self) -> bool:
        ok = self._s.save_slice(self.slice_name, folder=_folder(self.save_folder))
        self.message = "" if ok else self._s.message
        self.poll()
        if ok:
            self.slice_name = ""
        return ok

    def rename_slice(self) -> bool:
        old, new = self.edit_slice, self.new_name
        ok = self.run(lambda: self._s.proj.store.update_slice(old or "", name=new))
        if ok:
            self.edit_slice, self.new_name = new.strip(), ""
        return ok

    def move_slice(self) -> bool:
        return self.run(
            lambda: self._s.proj.store.move_slice(self.edit_slice or "", _folder(self.move_to))
        )

    def delete_slice(self) -> bool:
        return self.run(lambda: self._s.proj.store.delete_slice(self.edit_slice or ""))

    def update_filter(self) -> bool:
        """Edit the slice: its filter becomes the current one (predicates and lasso ids)."""
        s = self._s
        return self.run(
            lambda: s.proj.store.update_slice(
                self.edit_slice or "", filter=s.filter().to_dict(), ids=s.lasso_ids
            )
        )

    def create_folder(self) -> bool:
        ok = self.run(lambda: self._s.proj.store.create_folder(self.folder_name))
        if ok:
            self.folder, self.folder_name = self.folder_name.strip(), ""
        return ok

    def rename_folder(self) -> bool:
        new = self.folder_name
        ok = self.run(lambda: self._s.proj.store.rename_folder(self.folder or "", new))
        if ok:
            self.folder, self.folder_name = new.strip(), ""
        return ok

    def delete_folder(self) -> bool:
        """Delete the folder; its slices stay, at the top level."""
        return self.run(lambda: self._s.proj.store.delete_folder(self.folder or ""))

    # --- layout ------------------------------------------------------------------------------
    def _table(self, *_: object) -> pn.viewable.Viewable:
        s = self._s
        frame = slice_table(s)
        table = pn.widgets.Tabulator(
            frame,
            show_index=False,
            disabled=True,
            selectable="checkbox",
            groupby=["folder"],
            hidden_columns=["folder"],
            sizing_mode="stretch_width",
            name="slices",
            height=min(400, 80 + 34 * len(frame)),
            css_classes=["zh-slices-table"],
        )
        table.selection = [i for i, n in enumerate(frame["slice"]) if n in s.slice_names]

        def _on_selection(event: param.parameterized.Event) -> None:
            s.slice_names = [frame["slice"].iloc[i] for i in event.new]

        table.param.watch(_on_selection, "selection")
        return table

    def __panel__(self) -> pn.viewable.Viewable:
        s = self._s
        if _served():
            pn.state.add_periodic_callback(self.poll, period=2000)

        def widget(name: str, cls: Any, label: str, **kw: Any) -> Any:
            return cls.from_param(
                self.param[name],
                name=label,
                css_classes=[f"zh-{name}"],
                sizing_mode="stretch_width",
                **kw,
            )

        return pn.Column(
            "### Slices",
            pn.bind(
                self._table,
                self.param.revision,
                s.param.model,
                s.param.metric,
                s.param.transform,
                s.param.slice_names,
            ),
            pn.bind(self._message, self.param.message),
            widget(
                "slice_name",
                pn.widgets.TextInput,
                "Save current filter as",
                placeholder="slice name",
            ),
            widget("save_folder", pn.widgets.Select, "in folder"),
            self._button("Save slice", self.save, button_type="primary"),
            pn.Card(
                widget("edit_slice", pn.widgets.Select, "Slice"),
                widget("new_name", pn.widgets.TextInput, "New name", placeholder="new name"),
                widget("move_to", pn.widgets.Select, "Move to"),
                pn.Row(
                    self._button("Rename slice", self.rename_slice),
                    self._button("Move slice", self.move_slice),
                    self._button("Delete slice", self.delete_slice, button_type="danger"),
                ),
                self._button("Set its filter to the current filter", self.update_filter),
                widget("folder", pn.widgets.Select, "Folder"),
                widget(
                    "folder_name", pn.widgets.TextInput, "Folder name", placeholder="folder name"
                ),
                pn.Row(
                    self._button("New folder", self.create_folder),
                    self._button("Rename folder", self.rename_folder),
                    self._button("Delete folder", self.delete_folder, button_type="danger"),
                ),
                title="Edit slices and folders",
                collapsed=False,
                sizing_mode="stretch_width",
            ),
            pn.Card(self.builder, title="Slice builder", sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
