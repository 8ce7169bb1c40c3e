"""`whole_numbers`: one rule for whole-number text, whatever holds the text (Arrow, Python strings, objects)."""

import numpy as np
import pandas as pd
import pytest

from storecast.data._numbers import number_hint, thousands_dots, whole_numbers

# (cell, exact int64 or None where the cell is refused)
CELLS = [
    ("1", 1), ("007", 7), ("0", 0), ("-0", 0), ("+5", 5), (" 5", 5), ("5\t", 5), ("5.0", 5), ("5.00", 5),
    ("12.", 12), (" 12 ", 12), ("9" * 18, 10**18 - 1), ("0" * 30 + "1", 1),
    ("9007199254740993", 2**53 + 1), (str(2**63 - 1), 2**63 - 1), (str(-(2**63)), -(2**63)),
    (str(2**63), None), (str(-(2**63) - 1), None), ("9" * 19, None),
    ("1e0", None), ("1.000", None), ("x", None), ("", None), (".0", None), ("1,5", None), ("1_000", None),
    ("\n1", None), ("١", None), ("１", None), (None, None),
]
TEXT_DTYPES = ["string[pyarrow]", "string[python]", object]


@pytest.mark.parametrize("dtype", TEXT_DTYPES, ids=str)
def test_text_cells_are_read_exactly_or_refused_by_one_rule(dtype):
    # a CSV column is Arrow-backed text and read by a fast path for plain digits: it must agree cell for cell
    # with the rule as the other holders of text (a caller's frame, a parquet column) read it
    ints, bad = whole_numbers(pd.Series([cell for cell, _ in CELLS], dtype=dtype))
    got = [None if b else int(v) for v, b in zip(ints.tolist(), bad.tolist(), strict=True)]
    assert got == [want for _, want in CELLS]
    assert (ints[bad] == 0).all()


@pytest.mark.parametrize("cells", [["12", "7", "0"], ["12", " 7", "x"], ["x"], []], ids=repr)
def test_arrow_text_keeps_its_index_and_answers_writable_arrays(cells):
    values = pd.Series(cells, dtype="string[pyarrow]", index=np.arange(len(cells)) * 3 + 5)
    ints, bad = whole_numbers(values)
    want = whole_numbers(pd.Series(cells, dtype=object))
    assert ints.dtype == np.int64 and ints.tolist() == want[0].tolist() and bad.tolist() == want[1].tolist()
    assert ints.flags.writeable and bad.flags.writeable  # callers may set cells, e.g. a bad one's 0


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_thousands_dots_marks_german_grouping_in_a_decimal_column_not_a_decimal(dtype):
    """'1.270' in CompetitionDistance is 1,270 metres written the German way, not 1.27; '0.250' or '570.5' is a
    decimal as written (no thousands group starts with 0)."""
    cells = pd.Series(["1.270", " 12.500 ", "1.234.567", "0.250", "570.5", "1270", "12.50", None], dtype=dtype)
    assert thousands_dots(cells).tolist() == [True, True, True, False, False, False, False, False]


@pytest.mark.parametrize(("cell", "decimal"), [("1.270", "1.27"), ("8.000", "8"), ("570.125", "570.1250")])
def test_a_thousands_dot_hint_offers_a_decimal_spelling_that_is_taken(cell, decimal):
    """'570.125' has no zeros to drop: the hint said "or 570.125 without the zeros", the very text refused."""
    hint = number_hint(cell, whole=False)
    assert f"write {cell.replace('.', '')}, or {decimal} " in hint
    assert not thousands_dots(pd.Series([decimal], dtype=object)).any()


@pytest.mark.parametrize("whole", [True, False])
def test_a_leading_zero_is_no_thousands_group_in_the_hint_either(whole):
    """'0.250' is no German thousands group (eb4f8b2), yet a whole-number column's hint said "write 0250"."""
    assert number_hint("0.250", whole=whole) == ""
    assert number_hint("1.250", whole=whole).startswith(" (a thousands separator")


@pytest.mark.parametrize("cell", ["8 436", "8\u00a0436", "8\u202f436", "8'436", "8\u2019436", "1 234 567"])
@pytest.mark.parametrize("whole", [True, False])
def test_a_space_or_apostrophe_between_digit_groups_is_named_a_thousands_separator(cell, whole):
    """French, Swiss and spreadsheet exports group with a (no-break) space or an apostrophe: no hint said so, and a
    no-break space shows as nothing in the refused value."""
    plain = "".join(ch for ch in cell if ch.isdigit())
    assert number_hint(cell, whole=whole) == f" (a thousands separator? write {plain})"


@pytest.mark.parametrize("cell", ["8 43", "84 36", "8'4", "1 2345"])
def test_a_space_that_groups_no_thousands_gets_no_hint(cell):
    assert number_hint(cell, whole=True) == ""
