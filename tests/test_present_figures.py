"""Static figures as matplotlib lays them out: legend, colour scale, warning, honest axes."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle

from siting.decide import default_scenario, run
from siting.layers import Facility
from siting.present import figures
from siting.present.i18n import Lang, column_label, t


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


def _drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("lang", ["en", "he"])
def test_static_map_legend_is_complete_and_clear_of_the_warning(result, lang):
    fig = figures.map_figure(result, lang=lang)
    lang = figures._chart_lang(lang)  # English labels with a matplotlib that cannot do RTL
    renderer = _drawn(fig)
    assert len(fig.legends) == 1
    legend = fig.legends[0]
    labels = [x.get_text().strip("\u200e\u200f") for x in legend.get_texts()]
    ws = t(Facility.WASTE_STATION.value, lang)
    for key in (
        "fig_land_member",
        "fig_land_neighbour",
        "fig_member_line",
        "fig_neighbour_line",
        "fig_excluded",
        "legend_locality",
    ):
        assert t(key, lang) in labels, key
    assert t("fig_assignment", lang, facility=ws) in labels  # crow-fly run: straight lines
    assert f"{t('chosen', lang)}: {ws}" in labels
    # a colour scale for the score, over the scores of the ranked sites
    bars = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert len(bars) == 1
    assert t("legend_score", lang) in bars[0].get_ylabel()
    rk = result.results[Facility.WASTE_STATION].ranking
    shown = rk.loc[~rk["excluded"].astype(bool) & rk["score"].notna(), "score"]
    lo, hi = bars[0].get_ylim()
    assert (lo, hi) == pytest.approx((shown.min(), shown.max()))
    # the approximate warning, clear of the legend, the map and its title, on the page
    assert result.costs.approximate
    warning = fig._suptitle
    assert warning is not None
    assert t("approximate_warning", lang) in warning.get_text()
    w_box = warning.get_window_extent(renderer)
    map_ax = fig.axes[0]
    for other in (legend, map_ax, map_ax.title, bars[0]):
        assert not _overlap(w_box, other.get_window_extent(renderer)), other
    assert not _overlap(legend.get_window_extent(renderer), map_ax.get_window_extent(renderer))
    page = fig.bbox
    for box in (w_box, legend.get_window_extent(renderer)):
        assert box.x0 >= page.x0
        assert box.y0 >= page.y0
        assert box.x1 <= page.x1
        assert box.y1 <= page.y1


def test_cost_chart_starts_at_zero_and_marks_the_recommended_plan(result):
    fig = figures.cost_chart(result, lang=Lang.EN)
    _drawn(fig)
    axes = [a for a in fig.axes if a.patches]
    assert len(axes) == len(result.results)
    for ax, (_fac, res) in zip(axes, result.results.items(), strict=True):
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert bars
        assert ax.get_xlim()[0] == 0.0  # the axis starts at zero ...
        assert {round(b.get_x(), 9) for b in bars} == {0.0}  # ... and so does every bar
        texts = [x.get_text() for x in ax.texts]
        marked = [x for x in texts if "Recommended plan ✓" in x]
        assert len(marked) == len(res.chosen)
        # bar lengths are the ranking's gap below the recommended plan
        rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank").head(len(bars))
        col = figures._gap_column(rk)
        widths = sorted(b.get_width() for b in bars)
        assert widths == pytest.approx(sorted(rk[col].to_numpy(dtype=float)))
        assert ax.get_xlabel() == column_label(col, "en")
    assert fig._supxlabel is not None
    assert fig._supxlabel.get_text().strip("\u200e") == t("chart_gap_note", "en")


def test_tornado_shows_the_difference_from_the_recommended_plan(result):
    fig = figures.tornado_chart(result, lang=Lang.EN)
    assert fig is not None
    _drawn(fig)
    table = result.sensitivity
    for ax in [a for a in fig.axes if a.patches]:
        fac = next(f for f in result.results if ax.get_title().endswith(t(f.value, "en")))
        outcome = "total_cost_ils_per_year" if fac is Facility.WASTE_STATION else "mean_driver_km"
        tab = table[table["facility"].astype(str) == fac.value]
        base = float(tab.loc[tab["baseline"].astype(bool), outcome].iloc[0])
        # the zero line is the recommended plan at the scenario's values, named on the chart
        assert any(
            np.allclose(line.get_xdata(), [0.0, 0.0]) for line in ax.get_lines()
        )  # axvline(0)
        chosen = " + ".join(result.results[fac].chosen)
        assert t("chart_tornado_base", "en", sites=chosen) in [x.get_text() for x in ax.texts]
        assert "change against the baseline" in ax.get_xlabel()
        # every bar spans differences from that baseline: the sweep's extremes minus base
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        ends = sorted(
            {round(b.get_x() + b.get_width(), 6) for b in bars}
            | {round(b.get_x(), 6) for b in bars}
        )
        lo = float(tab[outcome].min()) - base
        hi = float(tab[outcome].max()) - base
        assert min(ends) == pytest.approx(min(lo, 0.0), abs=1e-6)
        assert max(ends) == pytest.approx(max(hi, 0.0), abs=1e-6)
