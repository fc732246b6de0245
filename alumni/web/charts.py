"""Charts drawn on the server as SVG with pygal; inlined in the page, no script and no CDN.

A chart is a pure function of its numbers, its title and the page language, so each rendered
SVG is kept (a small LRU per process): the overview does not pay pygal's ~30–80 ms per chart
again until a number changes."""
from __future__ import annotations

import re
from functools import lru_cache

import pygal
from babel import Locale
from flask_babel import get_locale
from markupsafe import Markup
from pygal.style import Style

from alumni import formatting
from alumni.i18n import _

# Labels at 13 px of a 760 px wide chart (drawn ~500 px wide in a column): Thai, Devanagari and
# Arabic stay legible (pygal's 10 px were ~6 px on screen).
STYLE = Style(background="transparent", plot_background="transparent", font_family="inherit",
              label_font_size=13, major_label_font_size=13, legend_font_size=14,
              # "No data" at the size of a title, not pygal's 64 px across a whole world map
              no_data_font_size=20,
              colors=("#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"))
CACHED_CHARTS = 64


def _config(title: str, no_data: str, locale: str = "en", **extra) -> dict:
    # js=[]: pygal would otherwise link its tooltip script from a CDN.
    return {"title": title, "style": STYLE, "js": [], "disable_xml_declaration": True,
            "no_data_text": no_data, "value_formatter": lambda n: formatting.number(n, locale),
            "width": 760, "height": 360, "show_legend": False, "print_values": False,
            "explicit_size": False, **extra}


def integer_ticks(values) -> list[int]:
    """Value-axis labels for counts of people: whole numbers from 0 in a round step (1, 2, 5 ×
    10ⁿ), at most seven of them — pygal would otherwise label the axis 0.2 … 2.8 people."""
    top = max((int(n) for n in values if n is not None), default=0)
    if top <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if -(-top // step) <= 6:
                return list(range(0, -(-top // step) * step + 1, step))
        magnitude *= 10


def _no_data() -> str:
    return str(_("No data"))


#: pygal adds an inline <script> holding its tooltip configuration; the pages run no script.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _render(chart, locale: str = "en") -> str:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return mirror(svg) if _is_rtl(locale) else svg


def _is_rtl(locale: str) -> bool:
    return formatting.locale_of(locale).character_order == "right-to-left"


_GRAPH = re.compile(r'<g class="graph[^"]*">')
_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)
_X = re.compile(r'\bx="(-?[0-9.]+)"')
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) [0-9.]+"')
_ID = re.compile(r'id="(chart-[^"]+)"')
RLI, PDI = "\u2067", "\u2069"


def mirror(svg: str) -> str:
    """pygal's chart laid out right to left, for an Arabic page: the whole graph mirrored (the
    value axis and the legend on the right, bars growing leftwards, the first category on the
    right), each text mirrored back where it stands, its anchor swapped so it still reads away
    from the plot, and its words isolated right to left (the parentheses of a legend in place).
    The SVG keeps `direction: ltr` (style.css): the geometry is computed here, not by the browser."""
    width = _VIEWBOX.search(svg)
    graph = _GRAPH.search(svg)
    chart_id = _ID.search(svg)
    if width is None or graph is None or chart_id is None or not svg.endswith("</g></svg>"):
        return svg

    def text(match: re.Match) -> str:
        x = _X.search(match.group(1))
        flip = f'<g transform="translate({2 * float(x.group(1)):g} 0) scale(-1 1)">' if x else "<g>"
        return f"{flip}<text{match.group(1)}>{RLI}{match.group(2)}{PDI}</text></g>"

    ident = f"#{chart_id.group(1)}"
    swapped = (f"{ident} .axis.y text{{text-anchor:start}}{ident} .axis.y2 text{{text-anchor:end}}"
               f"{ident} .legends .legend text{{text-anchor:end}}{ident} .background{{fill:transparent}}")
    body = svg[graph.end():-len("</g></svg>")]
    return (svg[:graph.start()].replace("</style>", swapped + "</style>", 1) + graph.group(0)
            + f'<g transform="matrix(-1 0 0 1 {width.group(1)} 0)">' + _TEXT.sub(text, body) + "</g></g></svg>")


def _page_locale() -> str:
    return str(get_locale() or "en")


@lru_cache(maxsize=CACHED_CHARTS)
def _bar_svg(title: str, labels: tuple, values: tuple, horizontal: bool, no_data: str, locale: str = "en") -> str:
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(
        **_config(title, no_data, locale, y_labels=integer_ticks(values)))
    chart.x_labels = list(labels)
    chart.add(title, list(values))
    return _render(chart, locale)


def bar_chart(title: str, pairs: list[tuple[str, int]], *, horizontal: bool = False) -> Markup:
    """One series of counts, labelled; an empty list gives a chart saying there is no data.
    Counts are written as the page's locale writes numbers; right to left in Arabic."""
    labels = tuple(str(label) for label, _n in pairs)
    return Markup(_bar_svg(str(title), labels, tuple(n for _label, n in pairs), horizontal, _no_data(),
                           _page_locale()))


@lru_cache(maxsize=CACHED_CHARTS)
def _stacked_svg(title: str, labels: tuple, series: tuple, no_data: str, locale: str = "en") -> str:
    totals = [sum(column) for column in zip(*(values for _name, values in series), strict=True)]
    # One legend entry a row: translated legends (Arabic, Hindi …) are longer than the English ones
    # and would be cut short side by side.
    chart = pygal.StackedBar(**_config(title, no_data, locale, show_legend=True, legend_at_bottom=True,
                                       legend_at_bottom_columns=1, truncate_legend=-1,
                                       y_labels=integer_ticks(totals)))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _render(chart, locale)


def stacked_chart(title: str, labels: list[str], series: dict[str, list[int]]) -> Markup:
    frozen = tuple((str(name), tuple(values)) for name, values in series.items())
    return Markup(_stacked_svg(str(title), tuple(labels), frozen, _no_data(), _page_locale()))


@lru_cache(maxsize=CACHED_CHARTS)
def _world_svg(title: str, series: str, counts: tuple, no_data: str, locale: str) -> str:
    from pygal_maps_world.maps import World  # here, not at the top: ~60 ms of import, one staff chart

    chart = World(**_config(title, no_data, locale, height=420))
    # Country names in the SVG (each country's value text) in the page's language, from Babel.
    territories = Locale.parse(locale).territories
    chart.area_names = {code: territories.get(code.upper(), name) for code, name in World.area_names.items()}
    chart.add(series, {code.lower(): n for code, n in counts})
    return _render(chart)


def world_map(title: str, series: str, counts: list[tuple[str, int]]) -> str:
    """A world map shaded by count per country (ISO 3166-1 alpha-2 codes), as a whole SVG
    document — served on its own URL, it is large (≈ 0.8 MB before compression)."""
    return _world_svg(str(title), str(series), tuple(counts), _no_data(), str(get_locale() or "en"))
