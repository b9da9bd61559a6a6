"""Server-made SVG charts: escaped labels, no inline styles, a data table for screen readers."""

import re

from markupsafe import Markup

from dialogue.charts import bar_chart, data_table


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
