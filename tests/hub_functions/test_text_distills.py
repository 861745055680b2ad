"""Text distills of the registry on real prose (the Zen of Python, standard-library docstrings)
and on crafted sentences with hand-computed answers."""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import secrets

import numpy as np
import pandas as pd
import pytest

from zenohub import DataError, ZenoOptions

from .conftest import distilled, frame

TEXT_DISTILLS = ["text_length", "word_count", "readability", "non_ascii_share"]
TEXT_DISTILLS += ["toxicity_lexicon_hits"]
OPS = ZenoOptions(id_column="id", data_column="text")


@pytest.fixture(scope="module")
def zen() -> str:
    """The Zen of Python (``import this`` prints it; its module holds it rot13-encoded)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")


def values(name: str, texts: list) -> np.ndarray:
    return distilled(name, frame("text", texts), OPS)


def test_text_length_counts_code_points(zen) -> None:
    got = values("text_length", [zen, "naïve café", "", "日本語"])
    np.testing.assert_array_equal(got, [len(zen), 10, 0, 3])


def test_word_count(zen) -> None:
    got = values("word_count", [zen, "Don't stop - 42 times!", "  ", "one-two"])
    # the Zen's whitespace tokens holding a letter (it has no hyphenated words)
    zen_words = sum(1 for token in zen.split() if re.search(r"\w", token))
    assert zen_words == 143
    np.testing.assert_array_equal(got, [zen_words, 4, 0, 2])


@pytest.mark.parametrize(
    ("text", "score"),
    [
        # 6 words, 1 sentence, 6 syllables
        ("The cat sat on the mat.", 206.835 - 1.015 * 6 - 84.6 * 1),
        # beau-ti-ful is bet-ter than ug-ly: 5 words, 9 syllables
        ("Beautiful is better than ugly.", 206.835 - 1.015 * 5 - 84.6 * 9 / 5),
        # 7 one-syllable words (silent e in "like"), 2 sentences
        ("I like it. You like it too.", 206.835 - 1.015 * 3.5 - 84.6),
        # no terminal punctuation: one sentence
        ("the cat sat", 206.835 - 1.015 * 3 - 84.6),
        # syllable heuristic: -le, silent -ed / -es, vowel-less words
        ("table.", 206.835 - 1.015 - 84.6 * 2),
        ("jumped!", 206.835 - 1.015 - 84.6),
        ("wanted?", 206.835 - 1.015 - 84.6 * 2),
        ("makes", 206.835 - 1.015 - 84.6),
        ("boxes", 206.835 - 1.015 - 84.6 * 2),
        ("Hmm.", 206.835 - 1.015 - 84.6),
    ],
)
def test_readability_hand_computed(text, score) -> None:
    assert values("readability", [text])[0] == pytest.approx(score)


def test_readability_orders_real_prose(zen) -> None:
    simple = "The cat sat on the mat. The dog ran to the park. We like to play."
    easy, plain, technical = values("readability", [simple, zen, secrets.__doc__])
    assert easy > 90
    assert 50 < plain < 80  # the Zen reads as plain English
    assert technical < 40  # a library docstring reads as technical prose
    assert np.isnan(values("readability", ["", "42 ... !"])).all()


def test_non_ascii_share(zen) -> None:
    got = values("non_ascii_share", [zen, "naïve café", "日本語", "\u201cquoted\u201d", ""])
    np.testing.assert_allclose(got[:4], [0.0, 0.2, 1.0, 0.25])
    assert np.isnan(got[4])


def test_toxicity_lexicon_hits(zen) -> None:
    texts = [
        "You idiots! Shut  up, you STUPID loser.",
        "What an Idiotic, pathetic idea.",
        "A fool-proof plan; stupidity is not a word in the list.",
        zen,  # "Beautiful is better than ugly." is not an insult
        "Thank you, that was helpful.",
    ]
    np.testing.assert_array_equal(values("toxicity_lexicon_hits", texts), [4, 2, 0, 0, 0])


@pytest.mark.parametrize("name", TEXT_DISTILLS)
def test_missing_texts_and_empty_batches(name) -> None:
    got = values(name, ["Some words here.", None, np.nan])
    assert np.isfinite(got[0]) and np.isnan(got[1:]).all()
    assert len(values(name, [])) == 0
    with pytest.raises(DataError, match="data column 'text' is not in the table"):
        distilled(name, pd.DataFrame({"body": ["x"]}), OPS)


@pytest.mark.parametrize("name", TEXT_DISTILLS)
def test_text_distills_are_vectorised_over_a_batch(name, zen) -> None:
    lines = [line for line in zen.splitlines() if line]
    batch = values(name, lines)
    one_by_one = [values(name, [line])[0] for line in lines]
    np.testing.assert_allclose(batch, one_by_one)
