"""Filters: every op on every column type, missing values, negation, groups, JSON and errors."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from zenohub.columns import ColumnType
from zenohub.errors import FilterError
from zenohub.filters import (
    FilterGroup,
    Predicate,
    allowed_ops,
    compile_filter,
    describe_filter,
    filter_from_dict,
    validate_filter,
)

C = ColumnType
TYPES = {
    "score": C.CONTINUOUS,
    "label": C.NOMINAL,
    "digit": C.NOMINAL,
    "flag": C.BOOLEAN,
    "when": C.DATETIME,
    "text": C.TEXT,
}


@pytest.fixture
def table() -> pd.DataFrame:
    """Six rows; row 2 is missing in every column that can hold a missing value."""
    return pd.DataFrame(
        {
            "score": [0.1, 0.5, np.nan, 0.9, 0.4, 0.2],
            "label": pd.Categorical(["cat", "dog", None, "cat", "bird", "dog"]),
            "digit": [3, 5, 7, 3, 5, 1],
            "flag": pd.array([True, False, None, True, False, True], dtype="boolean"),
            "when": pd.to_datetime(
                ["2024-01-01", "2024-02-01", None, "2024-03-01", "2024-04-01", "2024-05-01"]
            ),
            "text": ["A hot dog", "Dogs bark", None, "the doggy", "catalog", "DOG"],
        }
    )


def rows(flt: Predicate | FilterGroup | None, table: pd.DataFrame, types=TYPES) -> list[int]:
    mask = compile_filter(flt, table, types)
    assert mask.dtype == np.bool_ and mask.shape == (len(table),)
    return np.flatnonzero(mask).tolist()


CASES = [
    # continuous
    ("score", "==", 0.5, [1]),
    ("score", "!=", 0.5, [0, 3, 4, 5]),
    ("score", "<", 0.4, [0, 5]),
    ("score", "<=", 0.4, [0, 4, 5]),
    ("score", ">", 0.4, [1, 3]),
    ("score", ">=", 0.4, [1, 3, 4]),
    ("score", "in", [0.1, 0.9], [0, 3]),
    ("score", "not in", [0.1, 0.9], [1, 4, 5]),
    ("score", "between", (0.2, 0.5), [1, 4, 5]),
    ("score", "is null", None, [2]),
    ("score", "not null", None, [0, 1, 3, 4, 5]),
    # nominal text (category)
    ("label", "==", "cat", [0, 3]),
    ("label", "!=", "cat", [1, 4, 5]),
    ("label", "in", ["dog", "bird"], [1, 4, 5]),
    ("label", "not in", ["dog"], [0, 3, 4]),
    ("label", "contains", "O", [1, 5]),
    ("label", "startswith", "b", [4]),
    ("label", "endswith", "t", [0, 3]),
    ("label", "regex", "^(cat|bird)$", [0, 3, 4]),
    ("label", "is null", None, [2]),
    ("label", "not null", None, [0, 1, 3, 4, 5]),
    # nominal numbers
    ("digit", "==", 3, [0, 3]),
    ("digit", "<", 5, [0, 3, 5]),
    ("digit", "in", [5, 7], [1, 2, 4]),
    ("digit", "between", (3, 5), [0, 1, 3, 4]),
    # boolean
    ("flag", "==", True, [0, 3, 5]),
    ("flag", "!=", True, [1, 4]),
    ("flag", "in", [False], [1, 4]),
    ("flag", "not in", [False], [0, 3, 5]),
    ("flag", "is null", None, [2]),
    # datetime: ISO strings, datetimes and Timestamps
    ("when", "<", "2024-02-15", [0, 1]),
    ("when", "==", dt.datetime(2024, 3, 1), [3]),
    ("when", "!=", "2024-01-01", [1, 3, 4, 5]),
    ("when", ">=", pd.Timestamp("2024-04-01"), [4, 5]),
    ("when", "between", ("2024-02-01", dt.date(2024, 4, 1)), [1, 3, 4]),
    ("when", "in", ["2024-01-01", "2024-05-01T00:00"], [0, 5]),
    ("when", "is null", None, [2]),
    # text: exact equality, case-insensitive search by default
    ("text", "==", "DOG", [5]),
    ("text", "==", "dog", []),
    ("text", "!=", "DOG", [0, 1, 3, 4]),
    ("text", "in", ["DOG", "catalog"], [4, 5]),
    ("text", "contains", "dog", [0, 1, 3, 5]),
    ("text", "startswith", "dog", [1, 5]),
    ("text", "endswith", "OG", [0, 4, 5]),
    ("text", "regex", r"dog\w", [1, 3]),
    ("text", "is null", None, [2]),
    ("text", "not null", None, [0, 1, 3, 4, 5]),
]


@pytest.mark.parametrize(("column", "op", "value", "expected"), CASES)
def test_every_op_on_every_column_type(table, column, op, value, expected):
    predicate = Predicate(column, op, value)
    assert rows(predicate, table) == expected
    # negate is the logical NOT, so the negated rows include the missing row 2
    negated = compile_filter(Predicate(column, op, value, negate=True), table, TYPES)
    assert negated.tolist() == (~compile_filter(predicate, table, TYPES)).tolist()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"op": "contains", "case_sensitive": True}, [0, 3]),
        ({"op": "contains", "whole_word": True}, [0, 5]),
        ({"op": "contains", "whole_word": True, "case_sensitive": True}, [0]),
        ({"op": "startswith", "case_sensitive": True, "value": "Dog"}, [1]),
        ({"op": "endswith", "case_sensitive": True, "value": "og"}, [0, 4]),
        ({"op": "regex", "case_sensitive": True, "value": r"dog\w"}, [3]),
        ({"op": "regex", "whole_word": True}, [0, 5]),
        ({"op": "regex", "whole_word": True, "value": "do|ca"}, []),
        ({"op": "startswith", "whole_word": True}, [5]),
    ],
)
@pytest.mark.parametrize("dtype", ["str", "string", "object", "category"])
def test_case_and_whole_word_on_every_text_dtype(table, kwargs, expected, dtype):
    table["text"] = table["text"].astype(dtype)
    assert rows(Predicate("text", **{"value": "dog", **kwargs}), table) == expected


def test_whole_word_around_punctuation():
    table = pd.DataFrame({"t": ["a #tag here", "#tags", "no tag", None]})
    assert rows(Predicate("t", "contains", "#tag", whole_word=True), table) == [0]


def test_missing_values_never_match_but_negation_keeps_them(table):
    assert rows(Predicate("score", "!=", 0.5), table) == [0, 3, 4, 5]
    assert rows(Predicate("score", "==", 0.5, negate=True), table) == [0, 2, 3, 4, 5]
    assert rows(Predicate("label", "not in", ["cat"]), table) == [1, 4, 5]
    assert rows(Predicate("label", "in", ["cat"], negate=True), table) == [1, 2, 4, 5]
    assert rows(Predicate("score", "is null", negate=True), table) == [0, 1, 3, 4, 5]


def test_nested_groups(table):
    flt = FilterGroup.any_of(
        FilterGroup.all_of(Predicate("score", ">=", 0.4), Predicate("label", "==", "cat")),
        Predicate("flag", "==", False),
    )
    assert rows(flt, table) == [1, 3, 4]
    deeper = FilterGroup.all_of(flt, FilterGroup.any_of(Predicate("text", "contains", "bark")))
    assert rows(deeper, table) == [1]


def test_empty_groups_place_no_constraint(table):
    everything = list(range(len(table)))
    assert rows(None, table) == everything
    assert rows(FilterGroup("and", ()), table) == everything
    assert rows(FilterGroup("or", ()), table) == everything
    cats = Predicate("label", "==", "cat")
    assert rows(FilterGroup.any_of(cats, FilterGroup.all_of()), table) == [0, 3]
    assert rows(FilterGroup.all_of(cats, FilterGroup.any_of()), table) == [0, 3]


def test_types_are_inferred_from_dtypes_when_not_given(table):
    table["words"] = table["text"].astype(object)
    assert rows(Predicate("label", "in", ["cat"]), table, None) == [0, 3]
    assert rows(Predicate("words", "contains", "bark"), table, None) == [1]
    assert rows(Predicate("when", ">", "2024-04-01"), table, None) == [5]
    with pytest.raises(FilterError, match="Op '<' is not allowed on text column 'text'"):
        compile_filter(Predicate("text", "<", "b"), table)


def test_datetime_timezones():
    aware = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 02:00"], utc=True)})
    assert rows(Predicate("t", ">=", "2024-01-01T01:00"), aware) == [1]  # read as UTC
    assert rows(Predicate("t", ">=", "2024-01-01T00:30+01:00"), aware) == [0, 1]  # 23:30 UTC
    naive = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 02:00"])})
    assert rows(Predicate("t", "<", "2024-01-01T02:00+01:00"), naive) == [0]  # 01:00 UTC


def test_category_path_on_a_million_rows():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, 1_000_000)
    codes[::1000] = -1  # missing
    table = pd.DataFrame({"animal": pd.Categorical.from_codes(codes, ["ant", "bee", "cat", "dog"])})
    mask = compile_filter(Predicate("animal", "in", ["bee", "dog"]), table, {"animal": C.NOMINAL})
    assert mask.sum() == np.isin(codes, [1, 3]).sum()
    assert np.array_equal(mask, np.isin(codes, [1, 3]))
    regex = compile_filter(Predicate("animal", "regex", "^[AB]"), table)
    assert np.array_equal(regex, np.isin(codes, [0, 1]))
    not_cat = compile_filter(Predicate("animal", "==", "cat", negate=True), table)
    assert not_cat.sum() == (codes != 2).sum()  # includes the 1000 missing
    assert compile_filter(Predicate("animal", "is null"), table).sum() == 1000


def test_json_round_trip(table):
    flt = FilterGroup.any_of(
        FilterGroup.all_of(
            Predicate("when", "between", (dt.datetime(2024, 2, 1), pd.Timestamp("2024-04-01"))),
            Predicate("label", "in", {"dog", "bird"}),
        ),
        Predicate("text", "contains", "DOG", case_sensitive=True, whole_word=True, negate=True),
        Predicate("score", "is null"),
    )
    d = flt.to_dict()
    back = filter_from_dict(json.loads(json.dumps(d)))
    assert back.to_dict() == d
    assert d["items"][0]["items"][0]["value"] == ["2024-02-01T00:00:00", "2024-04-01T00:00:00"]
    assert d["items"][1] == {
        "column": "text",
        "op": "contains",
        "value": "DOG",
        "case_sensitive": True,
        "whole_word": True,
        "negate": True,
    }
    assert rows(back, table) == rows(flt, table) == [0, 1, 2, 3, 4]
    plain = FilterGroup.all_of(Predicate("digit", "in", [3, 5]), Predicate("flag", "==", True))
    assert filter_from_dict(json.loads(json.dumps(plain.to_dict()))) == plain
    assert filter_from_dict(None) is None


def test_predicates_are_hashable_with_normalized_values():
    assert Predicate("x", "in", [1, 2]).value == (1, 2)
    assert Predicate("x", "in", {3, 1}).value == (1, 3)
    assert Predicate("x", "==", np.int64(3)).value == 3
    assert Predicate("x", "IS  NULL", 5).op == "is null"
    assert len({Predicate("x", "in", [1, 2]), Predicate("x", "in", (1, 2))}) == 1


def test_describe_filter():
    flt = FilterGroup.all_of(
        Predicate("brightness", "between", (0.1, 0.4)), Predicate("label", "in", [3, 5])
    )
    assert describe_filter(flt) == "brightness between 0.1 and 0.4 AND label in {3, 5}"
    nested = FilterGroup.any_of(
        Predicate("text", "contains", "dog", whole_word=True, negate=True),
        FilterGroup.all_of(
            Predicate("when", ">=", dt.date(2024, 1, 31)), Predicate("x", "is null")
        ),
    )
    assert describe_filter(nested) == (
        "NOT text contains 'dog' (whole word) OR (when >= 2024-01-31 AND x is null)"
    )
    assert describe_filter(Predicate("t", "regex", "^a", case_sensitive=True)) == (
        "t regex '^a' (case-sensitive)"
    )
    assert describe_filter(None) == describe_filter(FilterGroup()) == "all instances"


def test_allowed_ops(table):
    boolean_ops = ("==", "!=", "in", "not in", "is null", "not null")
    assert allowed_ops(table["flag"], C.BOOLEAN) == boolean_ops
    assert "<" in allowed_ops(table["digit"], C.NOMINAL)
    assert "contains" in allowed_ops(table["label"]) and "<" not in allowed_ops(table["label"])


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        (
            Predicate("scroe", ">", 1),
            "Unknown column 'scroe' (did you mean 'score'?); the table has: score, label, digit,",
        ),
        (
            Predicate("label", "<", "cat"),
            "Op '<' is not allowed on nominal column 'label'; allowed ops: ==, !=, in, not in, "
            "contains, startswith, endswith, regex, is null, not null.",
        ),
        (
            Predicate("score", "regex", "1"),
            "Op 'regex' is not allowed on continuous column 'score'; allowed ops: ==, !=, in, "
            "not in, <, <=, >, >=, between, is null, not null.",
        ),
        (
            Predicate("score", "==", "abc"),
            "Column 'score' holds numbers; 'score ==' cannot compare it with 'abc' (str).",
        ),
        (
            Predicate("digit", "in", [3, "5"]),
            "Column 'digit' holds numbers; 'digit in' cannot compare it with '5' (str).",
        ),
        (
            Predicate("flag", "==", "yes"),
            "Column 'flag' holds true/false values; 'flag ==' cannot compare it with 'yes' (str).",
        ),
        (
            Predicate("label", "==", 3),
            "Column 'label' holds text; 'label ==' cannot compare it with 3 (int).",
        ),
        (
            Predicate("when", "<", "yesterday"),
            "Column 'when' holds datetimes; 'when <' cannot read 'yesterday' as a date/time",
        ),
    ],
)
def test_errors_that_need_the_table(table, predicate, message):
    with pytest.raises(FilterError) as info:
        validate_filter(FilterGroup.all_of(Predicate("score", ">", 0), predicate), table, TYPES)
    assert message in str(info.value)
    with pytest.raises(FilterError, match="^" + message[:20]):
        compile_filter(predicate, table, TYPES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"column": "text", "op": "regex", "value": "(unclosed"},
            "Invalid regex '(unclosed' for column 'text': missing ), unterminated subpattern "
            "at position 0.",
        ),
        ({"column": "x", "op": "between", "value": (1,)}, "'x between' needs two values (low, hi"),
        ({"column": "x", "op": "between", "value": 0.5}, "'x between' needs two values"),
        ({"column": "x", "op": "between", "value": (2, 1)}, "needs low <= high, got (2, 1)."),
        (
            {"column": "x", "op": "in", "value": "cat"},
            "'x in' needs a list of values, got the single value 'cat'; use '==' or wrap it",
        ),
        ({"column": "x", "op": "==", "value": [1, 2]}, "use 'in' for a list."),
        ({"column": "x", "op": "==", "value": None}, "use 'is null' to find missing values."),
        ({"column": "x", "op": "==", "value": float("nan")}, "use 'is null'"),
        ({"column": "x", "op": "contains", "value": 3}, "'x contains' needs text, got 3 (int)."),
        ({"column": "x", "op": "betwen", "value": (1, 2)}, "(did you mean 'between'?)"),
        ({"column": "x", "op": "==", "value": 1, "whole_word": True}, "whole_word only applies"),
        ({"column": "", "op": "==", "value": 1}, "A predicate needs a column name"),
        ({"column": "x", "op": "==", "value": object()}, "compares with text, numbers"),
    ],
)
def test_errors_at_construction(kwargs, message):
    with pytest.raises(FilterError) as info:
        Predicate(**kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ([], "filter must be a dict, got list []."),
        ({"foo": 1}, "filter must have 'column' and 'op' (a predicate) or 'combine' and 'items'"),
        ({"column": "x"}, "filter is missing 'op'."),
        ({"combine": "xor", "items": []}, "filter: A filter group combines with 'and' or 'or'"),
        ({"combine": "and", "items": {}}, "filter.items must be a list, got {}."),
        (
            {"combine": "or", "items": [{"column": "x", "op": "==", "value": 1, "negated": True}]},
            "filter.items[0] has unknown key 'negated' (did you mean 'negate'?)",
        ),
        (
            {"combine": "or", "items": [{"combine": "and", "items": [{"column": "x", "op": "?"}]}]},
            "filter.items[0].items[0]: Unknown filter op '?'",
        ),
        ({"column": "x", "op": "in", "value": 3}, "filter: 'x in' needs a list of values"),
    ],
)
def test_bad_dict_shapes(d, message):
    with pytest.raises(FilterError) as info:
        filter_from_dict(d)
    assert message in str(info.value)


def test_compile_refuses_dicts_and_reports_dtype_clashes(table):
    with pytest.raises(FilterError, match="got dict; build it with filter_from_dict"):
        compile_filter({"column": "score", "op": "is null"}, table)  # type: ignore[arg-type]
    with pytest.raises(FilterError, match=r"Cannot apply 'text < 3' to column 'text' \(dtype str"):
        compile_filter(Predicate("text", "<", 3), table, {"text": C.CONTINUOUS})
