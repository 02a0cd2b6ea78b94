"""The dashboard's SVG charts: a missing value is drawn as a gap, never as a zero."""

from decimal import Decimal
from xml.etree import ElementTree

from medoffice.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(
        markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


def test_a_line_breaks_at_a_missing_value():
    series = [("Wait", [("Oct 26", 6.5), ("Nov 02", None), ("Nov 09", 8), ("Nov 16", 9)])]

    svg = _svg(charts.render(series, kind="line", title="Waits"))

    lines = svg.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [1, 2]
    titles = [c.find(f"{SVG}title").text for c in svg.findall(f"{SVG}circle")]
    assert titles == ["Wait Oct 26: 6.5", "Wait Nov 09: 8", "Wait Nov 16: 9"]


def test_bars_leave_a_missing_value_out_and_scale_to_the_rest():
    series = [("Rate", [("Oct", Decimal("40.0")), ("Nov", None)])]

    svg = _svg(charts.render(series, kind="bars", unit="%", title="Rate"))

    (bar,) = svg.findall(f"{SVG}rect")
    assert bar.find(f"{SVG}title").text == "Rate Oct: 40%"
    axis = [t.text for t in svg.findall(f"{SVG}text")]
    assert "40%" in axis  # the axis tops out at the highest real value


def test_a_chart_with_only_missing_values_says_there_is_no_data():
    markup = charts.render([("Wait", [("Oct 26", None), ("Nov 02", None)])], kind="line")

    assert "No data for these filters" in markup
    assert "polyline" not in markup
