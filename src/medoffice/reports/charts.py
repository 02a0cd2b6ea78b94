"""Charts as SVG, drawn on the server: bars, stacked bars and lines with axes and labels.

Pure: series in, markup out (no ORM). The SVG is inline in the page (no script,
so the CSP stays strict), scales with its box, and carries a <title> per mark so hovering
shows the value; screen readers get the figure's title and the table beside it.
"""

from decimal import Decimal
from html import escape

from medoffice.core.money import dollars

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 34
PALETTE = ("#1f6f8b", "#e07a5f", "#81b29a", "#f2cc8f", "#3d405b", "#9c6644")


def _nice_max(value: float) -> float:
    """The top of the axis: four gridline steps of 1, 2, 2.5 or 5 x 10^n covering `value`
    (so a rate tops out at 100%, not 200%)."""
    step = 1.0
    while step * 4 < value:
        for factor in (2, 1.25, 2, 2):  # 1 -> 2 -> 2.5 -> 5 -> 10
            step *= factor
            if step * 4 >= value:
                break
    return step * 4


def _fit(label: str, width: float) -> str:
    """A label cut to the width it has on the axis (about 6 units a character, with a gap); the
    mark's own title keeps the whole of it."""
    room = max(3, int(width / 6.2))
    return label if len(label) <= room else label[: room - 1] + "…"


def _exact(value: float, unit: str) -> str:
    """A mark's value in its hover title, as the table beside the chart shows it: cents
    for money, one decimal for rates and minutes (the axis rounds, the title does not)."""
    if unit == "$":
        return dollars(value)
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return text + "%" if unit == "%" else text


def _label(value: float, unit: str) -> str:
    if unit == "$":
        return f"${value:,.0f}"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _num(value) -> float | None:
    return float(value) if isinstance(value, Decimal) else value


def _runs(row: list) -> list[list[tuple[int, float]]]:
    """The row's points in runs without a gap: a line is not drawn through a missing value."""
    runs, current = [], []
    for i, v in enumerate(row):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, v))
    return [*runs, current] if current else runs


def render(series, *, kind: str, unit: str = "", title: str = "") -> str:
    """`series`: [(name, [(label, value), ...]), ...] sharing the same labels. A value of
    None is missing (a week without visits has no wait): no bar, no point, a gap in the
    line, rather than a zero that reads as a real figure."""
    values = [[_num(v) for _, v in points] for _, points in series] if series else []
    if not any(v is not None for row in values for v in row):
        return (
            f'<svg viewBox="0 0 {WIDTH} 60" role="img" aria-label="{escape(title)}: no data">'
            '<text x="8" y="34" class="chart-empty">No data for these filters</text></svg>'
        )
    labels = [label for label, _ in series[0][1]]
    if kind == "stacked":
        top = max(sum(v or 0 for v in col) for col in zip(*values, strict=True))
    else:
        top = max(v for row in values for v in row if v is not None)
    top = _nice_max(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(labels)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'class="chart" preserveAspectRatio="xMidYMid meet">'
    ]
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'class="grid"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f"{_label(top * i / 4, unit)}</text>")  # fmt: skip
    every = max(1, -(-len(labels) // 9))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + step * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                         f'class="axis">{escape(_fit(label, step * every))}</text>')  # fmt: skip

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * min(value, top) / top

    if kind == "line":
        for n, ((name, _), row) in enumerate(zip(series, values, strict=True)):
            color = PALETTE[n % len(PALETTE)]
            for run in _runs(row):
                points = " ".join(f"{LEFT + step * (i + 0.5):.1f},{y_of(v):.1f}" for i, v in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                             'stroke-width="2"/>')  # fmt: skip
            for i, v in (point for run in _runs(row) for point in run):
                parts.append(
                    f'<circle cx="{LEFT + step * (i + 0.5):.1f}" cy="{y_of(v):.1f}" r="2.5" '
                    f'fill="{color}"><title>{escape(name)} {escape(labels[i])}: '
                    f"{_exact(v, unit)}</title></circle>"
                )
    else:
        groups = 1 if kind == "stacked" else len(series)
        bar = step * 0.8 / groups
        for i in range(len(labels)):
            base = TOP + plot_h
            for n, ((name, _), row) in enumerate(zip(series, values, strict=True)):
                value = row[i]
                if value is None:
                    continue
                height = plot_h * min(value, top) / top
                x = LEFT + step * i + step * 0.1 + (0 if kind == "stacked" else bar * n)
                y = base - height if kind == "stacked" else TOP + plot_h - height
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                    f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(name)} '
                    f"{escape(labels[i])}: {_exact(value, unit)}</title></rect>"
                )
                if kind == "stacked":
                    base -= height
    if len(series) > 1:
        x = LEFT
        for n, (name, _) in enumerate(series):
            parts.append(f'<rect x="{x}" y="{HEIGHT - 12}" width="10" height="10" '
                         f'fill="{PALETTE[n % len(PALETTE)]}"/>')  # fmt: skip
            parts.append(f'<text x="{x + 14}" y="{HEIGHT - 3}" class="axis">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)
