"""Finding where a model fails: slice discovery and describing a selection (no Panel).

:func:`find_slices` (or the scikit-learn style :class:`SliceFinder`) searches binned metadata for
conjunctions of up to three predicates where the errors are significantly high -- a vectorised
lattice search in the spirit of SliceLine (Sagadeeva & Boehm, SIGMOD 2021) with
Benjamini-Hochberg false-discovery control and Jaccard de-duplication; with ``baseline_errors``
it finds where one model is worse than another. :func:`describe_selection` names the metadata
predicates that best separate a selection (e.g. a lasso) from the other rows. Every result turns
into a zenohub filter (``.to_filter()``) that can be saved as a slice::

    found = find_slices(df, errors, k=5)
    [s.describe() for s in found]  # "x between 0.9 and 1 AND color == 'blue': 1,006 rows, ..."
    store.create_slice("worst", filter=found[0].to_filter())
"""

from ._describe import describe_selection
from ._errors import DiscoveryError
from ._finder import SliceFinder, find_slices
from ._project import InstanceErrors, instance_errors, searchable_columns
from ._results import PredicateTuple, SelectionDescription, SliceResult, describe_predicates

__all__ = [
    "DiscoveryError",
    "InstanceErrors",
    "PredicateTuple",
    "SelectionDescription",
    "SliceFinder",
    "SliceResult",
    "describe_predicates",
    "describe_selection",
    "find_slices",
    "instance_errors",
    "searchable_columns",
]
