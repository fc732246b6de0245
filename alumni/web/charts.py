"""Charts drawn on the server as SVG with pygal; inlined in the page, no script and no CDN."""
from __future__ import annotations

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

STYLE = Style(background="transparent", plot_background="transparent", font_family="inherit",
              colors=("#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"))


def _config(title: str, **extra) -> dict:
    # js=[]: pygal would otherwise link its tooltip script from a CDN.
    from alumni.i18n import _

    return {"title": title, "style": STYLE, "js": [], "disable_xml_declaration": True,
            "no_data_text": _("No data"),
            "width": 760, "height": 360, "show_legend": False, "print_values": False,
            "explicit_size": False, **extra}


#: pygal adds an inline <script> holding its tooltip configuration; the pages run no script.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _render(chart) -> Markup:
    return Markup(_SCRIPT.sub("", chart.render(is_unicode=True)))


def bar_chart(title: str, pairs: list[tuple[str, int]], *, horizontal: bool = False) -> Markup:
    """One series of counts, labelled; an empty list gives a chart saying there is no data."""
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(**_config(title))
    chart.x_labels = [str(label) for label, _n in pairs]
    chart.add(title, [n for _label, n in pairs])
    return _render(chart)


def stacked_chart(title: str, labels: list[str], series: dict[str, list[int]]) -> Markup:
    chart = pygal.StackedBar(**_config(title, show_legend=True, legend_at_bottom=True))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart)
