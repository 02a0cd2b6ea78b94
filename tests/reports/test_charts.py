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
    series = [("Wait", [("Oct 26", 12.5), ("Nov 02", None), ("Nov 09", 8), ("Nov 16", 9)])]

    svg = _svg(charts.render(series, kind="line", title="Waits"))

    lines = svg.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [1, 2]
    titles = [c.find(f"{SVG}title").text for c in svg.findall(f"{SVG}circle")]
    assert titles == ["Wait Oct 26: 12.5", "Wait Nov 09: 8", "Wait Nov 16: 9"]


def test_bars_leave_a_missing_value_out_and_scale_to_the_rest():
    series = [("Rate", [("Oct", Decimal("40.0")), ("Nov", None)])]

    svg = _svg(charts.render(series, kind="bars", unit="%", title="Rate"))

    (bar,) = svg.findall(f"{SVG}rect")
    assert bar.find(f"{SVG}title").text == "Rate Oct: 40%"  # the table's value, not rounded
    axis = [t.text for t in svg.findall(f"{SVG}text")]
    assert "40%" in axis  # the axis tops out at the highest real value


def test_a_chart_with_only_missing_values_says_there_is_no_data():
    markup = charts.render([("Wait", [("Oct 26", None), ("Nov 02", None)])], kind="line")

    assert "No data for these filters" in markup
    assert "polyline" not in markup


def test_a_rate_axis_tops_out_at_one_hundred_percent():
    svg = _svg(charts.render([("Clean", [("Oct", Decimal("100.0"))])], kind="line", unit="%"))

    axis = [t.text for t in svg.findall(f"{SVG}text")]
    assert axis[:5] == ["0%", "25%", "50%", "75%", "100%"]


def test_long_names_are_cut_to_their_room_and_kept_whole_in_the_title():
    payers = [f"{name} Health Plan of Illinois" for name in "ABCDEFGH"]
    series = [("A/R", [(name, Decimal(100)) for name in payers])]

    svg = _svg(charts.render(series, kind="bars", unit="$"))

    labels = [t.text for t in svg.findall(f"{SVG}text") if t.text.startswith(tuple("ABCDEFGH"))]
    assert len(labels) == 8
    assert all(label.endswith("…") and len(label) < 15 for label in labels)
    titles = [r.find(f"{SVG}title").text for r in svg.findall(f"{SVG}rect")]
    assert titles[0] == "A/R A Health Plan of Illinois: $100.00"


def test_a_marks_title_keeps_the_value_the_axis_rounds():
    rates = _svg(charts.render([("Denied", [("Oct", Decimal("33.3"))])], kind="bars", unit="%"))
    money = _svg(charts.render([("Paid", [("Oct", Decimal("5516.85"))])], kind="bars", unit="$"))

    assert rates.find(f"{SVG}rect").find(f"{SVG}title").text == "Denied Oct: 33.3%"
    assert money.find(f"{SVG}rect").find(f"{SVG}title").text == "Paid Oct: $5,516.85"
