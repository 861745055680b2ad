"""Names, versions, source inspection and search ranking: parsing only, never importing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hub.conftest import MEAN_X, X_CUBED, booby_trap
from zenohub.hub import HubError, IntegrityError
from zenohub.hub.manifest import (
    build_manifest,
    check_name,
    extract_function,
    inspect_source,
    rank,
    split_spec,
    version_key,
)


@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "a/b", "X", "a.b", "", "-", "-rf", "a b", "é", "x\n"]
)
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(HubError, match=r"is not allowed"):
        check_name(bad)


def test_specs_and_versions() -> None:
    assert split_spec("x_cubed@1.2.3") == ("x_cubed", "1.2.3")
    assert split_spec("x-y") == ("x-y", None)
    with pytest.raises(HubError, match=r"not a semantic version"):
        split_spec("x@1.2")
    with pytest.raises(HubError, match=r"not allowed"):
        split_spec("../x@1.0.0")
    ordered = sorted(["1.0.0", "0.10.0", "1.0.0-rc.1", "0.9.0", "1.0.0-alpha"], key=version_key)
    assert ordered == ["0.9.0", "0.10.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0"]


def test_inspect_reads_kind_and_docstring_without_importing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    info = inspect_source(booby_trap(marker).encode(), "trap")
    assert (info.kind, info.summary) == ("distill", "Looks harmless <script>alert(1)</script>.")
    info = inspect_source(X_CUBED, "x_cubed")
    assert info.summary == "The cube of the data column."
    assert info.description == "Useful to *test* the hub: `x ** 3` per instance."
    assert not marker.exists()


def test_inspect_refuses_what_is_not_a_hub_function() -> None:
    with pytest.raises(HubError, match=r"no @distill, @metric or @transform function named 'y'"):
        inspect_source(X_CUBED, "y")
    with pytest.raises(HubError, match=r"not valid Python"):
        inspect_source("def (:", "y")
    with pytest.raises(HubError, match=r"sets name="):
        inspect_source("from zenohub import distill\n@distill(name='z')\ndef y(df, ops): ...", "y")


def test_extract_keeps_helpers_and_drops_other_decorated_functions() -> None:
    source = (
        MEAN_X + "\n\nK = 3\n\n\ndef helper(x):\n    return x\n\n\n" + X_CUBED.split("\n\n\n", 1)[1]
    )
    out = extract_function(source, "mean_x")
    assert "def helper" in out and "K = 3" in out and "def mean_x" in out
    assert "x_cubed" not in out


def test_manifest_sha_must_match_the_source() -> None:
    fields = {"name": "mean_x", "version": "1.0.0", "sha256": "0" * 64}
    with pytest.raises(IntegrityError, match=r"SHA-256 is .* not 0000"):
        build_manifest(MEAN_X.encode(), fields)
    m = build_manifest(MEAN_X.encode(), {"name": "mean_x", "version": "1.0.0"})
    assert (m["kind"], m["summary"], m["data_types"]) == (
        "metric",
        "Mean of the data column over the subset.",
        ["any"],
    )
    with pytest.raises(HubError, match=r"is a @metric function"):
        build_manifest(MEAN_X.encode(), {"name": "mean_x", "version": "1.0.0", "kind": "distill"})
    with pytest.raises(HubError, match=r"not a pip requirement"):
        build_manifest(
            MEAN_X.encode(),
            {"name": "mean_x", "version": "1.0.0", "requirements": ["--index-url=http://evil"]},
        )


def test_rank_matches_every_word_and_filters() -> None:
    entries = [
        {
            "name": "laplacian_blur",
            "summary": "Blurriness",
            "tags": ["image"],
            "kind": "distill",
            "data_types": ["image"],
            "description": "",
        },
        {
            "name": "blur",
            "summary": "Gaussian blur",
            "tags": [],
            "kind": "transform",
            "data_types": ["image"],
            "description": "",
        },
        {
            "name": "wer",
            "summary": "Word error rate",
            "tags": ["asr"],
            "kind": "metric",
            "data_types": ["any"],
            "description": "speech blur",
        },
    ]
    assert [e["name"] for e in rank(entries, "blur")] == ["blur", "laplacian_blur", "wer"]
    assert [e["name"] for e in rank(entries, "blur", kind="distill")] == ["laplacian_blur"]
    assert [e["name"] for e in rank(entries, "", data_type="audio")] == ["wer"]
    assert [e["name"] for e in rank(entries, "", tag="asr")] == ["wer"]
    assert rank(entries, "blur nothing") == []
