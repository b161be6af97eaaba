"""Chart specs → interactive plotly figures (hover shows the counts), rendered as <div>s without plotly.js."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import qualitative

from .fmt import fmt
from .model import Chart

COLORS = qualitative.Dark24  # twelve pain points need more than plotly's ten default colours
MAX_LINES_SHOWN = 6  # more lines start hidden (click the legend to show them)
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'


def _hover(chart: Chart, frame) -> tuple[list | None, str]:
    if not chart.hover:
        return None, ""
    data = [[fmt(v, chart.formats.get(c)) for c, v in zip(chart.hover, row)]
            for row in frame[chart.hover].itertuples(index=False)]
    extra = "".join(f"<br>{c}: %{{customdata[{i}]}}" for i, c in enumerate(chart.hover))
    return data, extra


def _bars(chart: Chart, orientation: str | None = None) -> list[go.Bar]:
    f = chart.frame
    custom, extra = _hover(chart, f)
    if orientation == "h":
        return [go.Bar(x=f[chart.x], y=f[chart.y], orientation="h", customdata=custom, name=chart.x,
                       hovertemplate=f"%{{y}}<br>{chart.x}: %{{x:,}}{extra}<extra></extra>")]
    if chart.color is None:
        return [go.Bar(x=f[chart.x], y=f[chart.y], customdata=custom, name=chart.y,
                       hovertemplate=f"%{{x}}<br>{chart.y}: %{{y:,}}{extra}<extra></extra>")]
    bars = []
    for name, g in f.groupby(chart.color, sort=False):
        c, e = _hover(chart, g)
        if orientation == "stack_h":
            bars.append(go.Bar(x=g[chart.y], y=g[chart.x], orientation="h", name=str(name), customdata=c,
                               hovertemplate=f"%{{y}}<br>{name}: %{{x:,}}{e}<extra></extra>"))
        else:
            bars.append(go.Bar(x=g[chart.x], y=g[chart.y], name=str(name), customdata=c,
                               hovertemplate=f"%{{x}}<br>{name}: %{{y:,}}{e}<extra></extra>"))
    return bars


def figure(chart: Chart) -> go.Figure:
    f = chart.frame
    fig = go.Figure()
    if chart.kind == "bar_h":
        fig.add_traces(_bars(chart, "h"))
    elif chart.kind in ("bar_v", "bar_group"):
        fig.add_traces(_bars(chart))
        fig.update_layout(barmode="group")
    elif chart.kind == "bar_stack":  # categories (x) down the side, stacked by colour
        fig.add_traces(_bars(chart, "stack_h"))
        fig.update_layout(barmode="stack")
        fig.update_yaxes(autorange="reversed")
    elif chart.kind == "lines":
        order = f.groupby(chart.color)[chart.y].sum().sort_values(ascending=False).index
        for rank, name in enumerate(order):
            g = f[f[chart.color] == name]
            fig.add_trace(go.Scatter(x=g[chart.x], y=g[chart.y], mode="lines", name=str(name),
                                     visible=True if rank < MAX_LINES_SHOWN else "legendonly",
                                     hovertemplate=f"%{{x|%Y-%m-%d}}<br>{name}: %{{y:,}}<extra></extra>"))
    elif chart.kind == "error_bar":
        y, lo, hi = f[chart.y].astype(float), f[chart.error_lo].astype(float), f[chart.error_hi].astype(float)
        custom, extra = _hover(chart, f)
        fig.add_trace(go.Scatter(
            x=f[chart.x], y=y, mode="markers", marker={"size": 10}, customdata=custom, name=chart.y,
            error_y={"type": "data", "symmetric": False, "array": (hi - y).clip(lower=0).fillna(0),
                     "arrayminus": (y - lo).clip(lower=0).fillna(0)},
            hovertemplate=f"%{{x}}<br>{chart.y}: %{{y:.2f}}×{extra}<extra></extra>"))
        fig.add_hline(y=1, line_dash="dot", line_color="grey")
    else:
        raise ValueError(f"unknown chart kind {chart.kind!r}")
    n_rows = f[chart.y].nunique() if chart.kind == "bar_h" else f[chart.x].nunique() if chart.kind == "bar_stack" else 0
    fig.update_layout(title={"text": chart.title, "x": 0}, template="plotly_white", font={"family": FONT, "size": 13},
                      height=max(380, 28 * n_rows + 120), margin={"l": 20, "r": 20, "t": 60, "b": 40},
                      xaxis_title=chart.x_title, yaxis_title=chart.y_title, legend={"orientation": "h", "y": -0.15},
                      showlegend=chart.color is not None, hoverlabel={"font": {"family": FONT}}, colorway=COLORS)
    if chart.kind in ("bar_h", "bar_stack"):
        fig.update_yaxes(automargin=True)
    if chart.kind in ("bar_v", "bar_group"):  # labels as given (2026年6月), never re-read as dates
        fig.update_xaxes(type="category")
    if chart.kind == "lines":  # one tick per month, in Chinese, whatever the span
        fig.update_xaxes(dtick="M1", tickformat="%Y年%-m月", tickangle=-45)
    return fig


def to_div(chart: Chart) -> str:
    """The chart's <div> and its Plotly.newPlot call; plotly.js itself is embedded once per page."""
    fig = figure(chart)
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}",
                       default_height=f"{fig.layout.height}px", config={"displaylogo": False, "responsive": True})
