"""Server-made SVG charts: escaped labels, no inline styles, a data table for screen readers."""

import re

from markupsafe import Markup

from dialogue.charts import LINE_CHARS, bar_chart, data_table, label_lines


def test_bars_are_scaled_and_labelled():
    chart = bar_chart([("Agree", 30), ("Disagree", 10)], title="Ofsted")
    assert isinstance(chart, Markup)
    widths = [int(w) for w in re.findall(r'<rect[^>]* width="(\d+)"', chart)]
    assert widths[0] == 3 * widths[1]
    assert "Agree" in chart and ">30<" in chart


def test_max_value_and_unit():
    chart = bar_chart([("This room", 50), ("Survey", 77)], title="Agreeing", max_value=100,
                      unit="%")
    widths = [int(w) for w in re.findall(r'<rect[^>]* width="(\d+)"', chart)]
    assert widths == [180, round(360 * 0.77)]
    assert "77%" in chart


def test_labels_and_titles_are_escaped():
    chart = bar_chart([("<script>alert(1)</script>", 1)], title='"><img src=x onerror=1>')
    assert "<script>" not in chart and "<img" not in chart
    assert "&lt;script&gt;" in chart


def test_no_inline_styles_and_a_data_table_for_screen_readers():
    chart = bar_chart([("A", 1), ("B", 0)], title="Votes")
    assert "style=" not in chart
    assert 'aria-hidden="true"' in chart  # the picture; the table carries the numbers
    assert "<table" in chart and "govuk-visually-hidden" in chart
    assert re.search(r'<th scope="row"[^>]*>B</th><td[^>]*>0</td>', chart)


def test_empty_and_zero_charts_do_not_fail():
    assert "<svg" in bar_chart([], title="Nothing yet")
    assert 'width="0"' in bar_chart([("A", 0)], title="Zero")


def test_visible_table():
    table = data_table([("A", 2.5)], title="T", unit="%")
    assert "govuk-visually-hidden" not in table and "2.5%" in table


def test_long_labels_wrap_onto_two_lines_and_are_never_cut_off_silently():
    """A label wider than the label column wraps; beyond two lines it ends in an ellipsis,
    and the whole label stays in the data table (and the SVG text's tooltip)."""
    label = ("Schools themselves, working together with the local authority and every "
             "multi-academy trust in the area")
    chart = bar_chart([(label, 3), ("Short", 1)], title="Who")
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", chart)
    assert lines[:2] == ["Schools themselves, working", "together with the local aut…"]
    assert lines[2] == "Short"
    assert all(len(line) <= LINE_CHARS for line in lines)
    assert f"<th scope=\"row\" class=\"govuk-table__header\">{label}</th>" in chart
    assert f"<title>{label}</title>" in chart


def test_an_unbroken_word_is_cut_to_the_column():
    word = "x" * 500
    assert label_lines(word) == ["x" * (LINE_CHARS - 1) + "…"]
    chart = bar_chart([(word, 1)], title="Long")
    assert max(len(t) for t in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", chart)) == LINE_CHARS


def test_the_hidden_table_is_hidden_in_a_block_that_cannot_widen_the_page():
    """A table never shrinks below its content, so the visually hidden class goes on a
    wrapper (1 px wide, overflow hidden) rather than on the table."""
    chart = bar_chart([("A", 1)], title="Votes")
    assert '<div class="govuk-visually-hidden dialogue-chart__data"><table' in chart
    assert not re.search(r"<table[^>]*govuk-visually-hidden", chart)


def test_rows_grow_with_wrapped_labels():
    one = bar_chart([("A", 1)], title="T")
    two = bar_chart([("A long label that needs two lines of the column", 1)], title="T")
    height = lambda chart: int(re.search(r'viewBox="0 0 \d+ (\d+)"', chart).group(1))  # noqa: E731
    assert height(two) > height(one)
