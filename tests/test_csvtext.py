"""The fast CSV writer against pandas' ``to_csv``, the writer whose bytes it must keep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from klshuttle.outputs._io import write_csv
from klshuttle.outputs.csvtext import csv_bytes

pytest.importorskip("pyarrow")


def _pandas(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def _floats(rng: np.random.Generator, n: int) -> np.ndarray:
    """Floats of every magnitude and digit count, with the awkward values among them."""
    magnitude = 10 ** rng.uniform(-12, 22, n) * rng.choice([-1.0, 1.0], n)
    digits = rng.integers(0, 9, n)
    x = np.where(rng.random(n) < 0.5, magnitude, np.round(magnitude, 3))
    x = np.where(rng.random(n) < 0.3, [round(v, int(d)) for v, d in zip(x, digits, strict=True)], x)
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-4, 1e9, 1e9 - 1e-7, 1.0, 5e-324, 1e16]
    x[: len(special)] = special
    # whole numbers and short decimals with trailing zeros: 1200.0, 5e+08, 0.00012
    k = len(special) + n // 4
    x[len(special) : k] = rng.integers(1, 1000, k - len(special)) * 10.0 ** rng.integers(
        -7, 20, k - len(special)
    )
    return x


def test_numbers_bools_and_strings_are_pandas_bytes() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    df = pd.DataFrame(
        {
            "time_s": _floats(rng, n),
            "lon": np.round(rng.uniform(7.6, 7.9, n), 7),
            "int64": rng.integers(-(2**62), 2**62, n),
            "int32": rng.integers(-5, 5, n).astype(np.int32),
            "uint8": rng.integers(0, 255, n).astype(np.uint8),
            "flag": rng.random(n) < 0.5,
            "stop": pd.Series(
                rng.choice(["Hauptbahnhof", "Kaiserslautern Süd", "", "a b"], n), dtype="str"
            ),
        }
    )
    df.loc[rng.random(n) < 0.1, "stop"] = None  # missing strings are written empty
    fast = csv_bytes(df)
    assert fast is not None  # this table takes the fast path
    assert fast == _pandas(df)


def test_python_backed_strings_are_pandas_bytes() -> None:
    df = pd.DataFrame(
        {"a": pd.array(["x", None, "ö"], dtype=pd.StringDtype("python")), "b": [1.5, 2.0, -0.0]}
    )
    fast = csv_bytes(df)
    assert fast is not None
    assert fast == _pandas(df)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"a": ["x,y", "z"], "b": [1, 2]}),  # the csv module quotes this cell
        pd.DataFrame({"a": ['say "hi"', "z"], "b": [1, 2]}),
        pd.DataFrame({"a": ["two\nlines", "z"], "b": [1, 2]}),
        pd.DataFrame({"a,b": [1.0, 2.0], "c": [1, 2]}),  # ... and this column name
        pd.DataFrame({"a": [np.nan, 1.0]}),  # one column: an empty row is written ""
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=int)}),
        pd.DataFrame({"a": [1, None], "b": [1, 2]}, dtype="Int64"),  # nullable ints
        pd.DataFrame({"a": np.array([0.1, 2.5], dtype=np.float32), "b": [1, 2]}),
        pd.DataFrame({"a": [1, "x"], "b": [1, 2]}, dtype=object),
    ],
    ids=["comma", "quote", "newline", "name", "one-column", "empty", "Int64", "f32", "object"],
)
def test_what_it_cannot_reproduce_goes_to_pandas(df: pd.DataFrame, tmp_path: Path) -> None:
    assert csv_bytes(df) is None
    write_csv(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == _pandas(df)


def test_write_csv_rounds_then_writes_pandas_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "wait_s": rng.uniform(0, 900, 500),
            "walk_m": rng.uniform(0, 2e3, 500),
            "x": rng.random(500),
        }
    )
    write_csv(df, tmp_path / "t.csv")
    expected = df.assign(
        wait_s=df["wait_s"].round(3), walk_m=df["walk_m"].round(2), x=df["x"].round(6)
    )
    assert (tmp_path / "t.csv").read_bytes() == _pandas(expected)
