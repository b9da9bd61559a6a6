import csv
import io

from dialogue.csvexport import neutralise, to_csv


def test_formula_cells_are_neutralised():
    for value in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(value).startswith("'")
    assert neutralise("plain") == "plain"
    assert neutralise(None) == ""


def test_round_trip_and_bom():
    text = to_csv(["a", "b"], [["line\nbreak, \"quoted\"", -3], ["=HYPERLINK()", 2.5]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["line\nbreak, \"quoted\"", "-3"]
    assert rows[2] == ["'=HYPERLINK()", "2.5"]
