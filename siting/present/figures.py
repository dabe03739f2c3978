"""Static figures for printed reports (matplotlib, no GUI backend, no basemap).

* :func:`map_figure` — the result on one page: candidate cells by score
  (excluded grey) with a colour scale, localities sized by residents, authorities
  (members and neighbours), the chosen sites and their assignments (road routes when
  the run has them), a scale bar and a north arrow; the legend below the map, the
  approximate-costs warning above it;
* :func:`cost_chart` — how far the best plan containing each of the best sites is
  from the recommended plan (bars from zero, the recommended plan's sites marked);
* :func:`rank_stability_chart` — each site's probability of ranking first,
  when the ranking has a ``p_first`` column (Monte Carlo over the weights);
* :func:`tornado_chart` — one-at-a-time parameter sweeps, when the run has a
  ``sensitivity`` table (schema on :func:`tornado_chart`).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot
state), and :func:`png_bytes` writes PNGs without a timestamp, so the same
result gives the same bytes.  Hebrew labels need Matplotlib ≥ 3.11 (its libraqm
text layout draws right-to-left text in order); with an older Matplotlib the
charts fall back to English labels and say so in the log.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from siting.costs import metric_points
from siting.decide.scoring import rank_interval_columns
from siting.facility import spec
from siting.layers import METRIC_CRS, Facility
from siting.present.features import route_lookup
from siting.present.i18n import Lang, column_label, fmt_number, fmt_value, param_label, t

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = [
    "all_figures",
    "cost_chart",
    "map_figure",
    "png_bytes",
    "rank_stability_chart",
    "tornado_chart",
]

log = logging.getLogger(__name__)

FONT = ["DejaVu Sans", "Arial", "sans-serif"]
_MARK = {Lang.EN: "\u200e", Lang.HE: "\u200f"}  # left-to-right / right-to-left mark


def _chart_lang(lang: Lang | str) -> Lang:
    lang = Lang.parse(lang)
    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    if lang is Lang.HE and (major, minor) < (3, 11):
        log.warning(
            "matplotlib %s cannot lay out right-to-left text; charts use English labels "
            "(upgrade to matplotlib >= 3.11 for Hebrew charts)",
            matplotlib.__version__,
        )
        return Lang.EN
    return lang


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def png_bytes(fig: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes, without a timestamp or software tag (reproducible)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"font.family": FONT, "svg.hashsalt": "siting"}):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _first(result: RunResult) -> Facility:
    return next(iter(result.results))


def map_figure(result: RunResult, *, lang: Lang | str = Lang.EN) -> Figure:
    """The result on one static map (EPSG:2039 metres, no basemap)."""
    lang = _chart_lang(lang)
    fig = _figure(8.0, 10.5)
    ax = fig.add_subplot()
    cand = result.candidates.to_crs(METRIC_CRS)
    auth = result.region.authorities.to_crs(METRIC_CRS)
    member = auth["member"].astype(bool)
    polygons = bool(auth.geom_type.isin(["Polygon", "MultiPolygon"]).all())
    land_handles = _land_context(ax, result, auth, lang) if polygons else []
    fac = _first(result)
    rk = result.results[fac].ranking.set_index(result.results[fac].ranking["site_id"].astype(str))
    # colour by the score of the best plan containing the site, or by its gap from the
    # recommended plan when the objective has no score (as the interactive map does)
    by_score = bool(rk["score"].notna().any())
    colour_col, cmap = ("score", "YlOrBr") if by_score else ("plan_gap", "YlOrBr_r")
    score = cand["id"].astype(str).map(rk[colour_col]).astype(float)
    excluded = cand["id"].astype(str).map(rk["excluded"]).fillna(True).astype(bool)
    shown = ~excluded & score.notna()
    if shown.any():  # a facility with no eligible site draws only the excluded cells
        norm = Normalize(float(score[shown].min()), float(score[shown].max()))
        cand[shown].assign(score=score[shown]).plot(
            ax=ax,
            column="score",
            cmap=cmap,
            norm=norm,
            linewidth=0.1,
            edgecolor="#888",
            alpha=0.8,
            zorder=2,
        )
        label = t("legend_score", lang) if by_score else column_label("plan_gap", lang)
        bar = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.35, aspect=18, pad=0.01
        )
        bar.set_label(f"{_MARK[lang]}{t(fac.value, lang)}: {label}", fontsize=7)
        bar.ax.tick_params(labelsize=6)
    if excluded.any():
        # excluded cells: outlines only, so the land underneath stays readable
        cand[excluded].plot(
            ax=ax, facecolor="none", linewidth=0.1, edgecolor="#999", alpha=0.6, zorder=2
        )

    if polygons:
        if member.any():
            auth[member].boundary.plot(ax=ax, color="#00441b", linewidth=1.2, zorder=4)
        if (~member).any():
            auth[~member].boundary.plot(
                ax=ax, color="#737373", linewidth=0.8, linestyle="--", zorder=4
            )
        _authority_names(ax, auth, lang)
    else:
        ax.scatter(
            auth[member].geometry.x,
            auth[member].geometry.y,
            s=90,
            facecolors="none",
            edgecolors="#00441b",
            linewidths=2,
            zorder=4,
        )
        ax.scatter(
            auth[~member].geometry.x,
            auth[~member].geometry.y,
            s=90,
            facecolors="none",
            edgecolors="#737373",
            linewidths=1.5,
            linestyles="--",
            zorder=4,
        )

    loc = result.localities.to_crs(METRIC_CRS)
    site_xy = dict(zip(cand["id"].astype(str), metric_points(cand, "candidates"), strict=True))
    loc_xy = {str(i): (g.x, g.y) for i, g in zip(loc["id"], loc.geometry, strict=True)}
    res = result.results[fac]
    routes = route_lookup(getattr(result, "routes", None), fac.value)
    for lid, sid in zip(res.assignment["locality_id"], res.assignment["site_id"], strict=True):
        a, b = loc_xy[str(lid)], site_xy[str(sid)]
        line = routes.get((str(lid), str(sid)))
        xs, ys = line.xy if line is not None else ([a[0], b[0]], [a[1], b[1]])
        ax.plot(xs, ys, color=spec(fac).colour, lw=0.6, alpha=0.5, zorder=3)
    sizes = 4 + 0.004 * loc["residents"].to_numpy(dtype=float)
    ax.scatter(
        loc.geometry.x,
        loc.geometry.y,
        s=sizes,
        color="#525252",
        alpha=0.7,
        edgecolors="#252525",
        linewidths=0.5,
        zorder=5,
    )
    handles: list[Any] = []
    for f, r in result.results.items():
        if not r.chosen:  # no plan for this facility: nothing to mark
            continue
        pts = np.array([site_xy[str(s)] for s in r.chosen], dtype=float).reshape(-1, 2)
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=170,
            marker=spec(f).marker,
            color=spec(f).colour,
            edgecolors="white",
            linewidths=1.8,
            zorder=7,
        )
        for s, (x, y) in zip(r.chosen, pts, strict=True):
            ax.annotate(
                str(s), (x, y), xytext=(7, 7), textcoords="offset points", fontsize=8, zorder=8
            )
        handles.append(
            Line2D(
                [],
                [],
                marker=spec(f).marker,
                color=spec(f).colour,
                linestyle="",
                markersize=10,
                label=f"{t('chosen', lang)}: {t(f.value, lang)}",
            )
        )
    handles += [
        Patch(facecolor="none", edgecolor="#999", label=t("fig_excluded", lang)),
        *land_handles,
        *_boundary_handles(polygons, lang),
        Line2D(
            [],
            [],
            color=spec(fac).colour,
            lw=1.2,
            label=t("fig_route" if routes else "fig_assignment", lang, facility=t(fac.value, lang)),
        ),
        Line2D([], [], marker="o", color="#525252", linestyle="", label=t("legend_locality", lang)),
    ]
    for h in handles:  # the page direction decides where mixed Hebrew/English text starts
        h.set_label(_MARK[lang] + h.get_label())
    # below the map, outside it: the legend never covers the data or the warning
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    _scale_bar(ax, lang)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    mark = _MARK[lang]  # the page direction decides where mixed Hebrew/English text starts
    title = f"{mark}{result.region.name}\n{mark}{t('scenario', lang)}: {result.scenario.name}"
    ax.set_title(title, fontsize=10)
    if result.costs.approximate:  # above the map, clear of the legend below it
        fig.suptitle(f"{mark}⚠ {t('approximate_warning', lang)}", fontsize=8, color="#a50026")
    return fig


def _boundary_handles(polygons: bool, lang: Lang) -> list[Any]:
    """Legend entries of the member and neighbour authorities' outlines (or points)."""
    if polygons:
        return [
            Line2D([], [], color="#00441b", lw=1.2, label=t("fig_member_line", lang)),
            Line2D([], [], color="#737373", lw=0.8, ls="--", label=t("fig_neighbour_line", lang)),
        ]
    return [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="none",
            markeredgecolor=c,
            markeredgewidth=2,
            label=t(key, lang),
        )
        for c, key in (("#00441b", "legend_member"), ("#737373", "legend_neighbour"))
    ]


#: Fill of the land context on the static map: member land, neighbours, other land.
_LAND_FILL = {
    "member": "#e5f5e0",
    "neighbour": "#f0f0f0",
    "other": "#d9d9d9",
    "no_jurisdiction": "#cfcfcf",
    "sea": "#deebf7",
}


def _land_context(ax: Any, result: RunResult, auth: Any, lang: Lang) -> list[Any]:
    """Fill the region's land as the map's geography (there is no basemap offline):
    members green, other jurisdictions and land without one grey, the sea blue."""
    member = auth["member"].astype(bool)
    auth[member].plot(ax=ax, color=_LAND_FILL["member"], linewidth=0, zorder=0)
    if (~member).any():
        auth[~member].plot(ax=ax, color=_LAND_FILL["neighbour"], linewidth=0, zorder=0)
    handles = [Patch(color=_LAND_FILL["member"], label=t("fig_land_member", lang))]
    if (~member).any():
        handles.append(Patch(color=_LAND_FILL["neighbour"], label=t("fig_land_neighbour", lang)))
    land = result.region.extra.get("jurisdictions")
    if land is not None and len(land):
        land = land.to_crs(METRIC_CRS)
        other = land[~land["id"].astype(int).isin(auth["id"].astype(int))]
        for kind, part in other.groupby(
            other["kind"].where(other["kind"].isin(_LAND_FILL), "other")
        ):
            part.plot(ax=ax, color=_LAND_FILL[str(kind)], linewidth=0, zorder=0)
            part.boundary.plot(ax=ax, color="#a0a0a0", linewidth=0.4, zorder=1)
        handles.append(Patch(color=_LAND_FILL["other"], label=t("fig_land_other", lang)))
        handles.append(
            Patch(facecolor="white", edgecolor="#a0a0a0", label=t("fig_land_outside", lang))
        )
        if (other["kind"] == "sea").any():
            handles.append(Patch(color=_LAND_FILL["sea"], label=t("fig_land_sea", lang)))
        xmin, ymin, xmax, ymax = auth.total_bounds
        pad = 1500.0
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
    return handles


def _authority_names(ax: Any, auth: Any, lang: Lang) -> None:
    for _, a in auth.iterrows():
        name = a["name_he"] if lang is Lang.HE else a["name_en"]
        pt = a.geometry.representative_point()
        ax.annotate(
            str(name),
            (pt.x, pt.y),
            ha="center",
            va="center",
            fontsize=7 if bool(a["member"]) else 6,
            color="#00441b" if bool(a["member"]) else "#525252",
            fontstyle="normal" if bool(a["member"]) else "italic",
            zorder=6,
        )


def _scale_bar(ax: Any, lang: Lang) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = x1 - x0
    km = next(k for k in (1, 2, 5, 10, 20, 50, 100) if k * 1000 >= span / 6)
    x, y = x1 - span * 0.05 - km * 1000, y0 + (y1 - y0) * 0.04
    ax.plot([x, x + km * 1000], [y, y], color="black", lw=3, solid_capstyle="butt", zorder=9)
    ax.text(
        x + km * 500,
        y + (y1 - y0) * 0.012,
        f"{km} {t('km', lang)}",
        ha="center",
        fontsize=8,
        zorder=9,
    )
    ax.annotate(
        "N",
        xy=(x1 - span * 0.04, y1 - (y1 - y0) * 0.04),
        xytext=(x1 - span * 0.04, y1 - (y1 - y0) * 0.12),
        ha="center",
        fontsize=10,
        arrowprops={"arrowstyle": "-|>", "color": "black"},
        zorder=9,
    )


_THOUSANDS = FuncFormatter(lambda x, _pos: f"{x:,.0f}")
_SIGNED = FuncFormatter(lambda x, _pos: f"{x:+,.0f}" if round(x) else "0")
_SIGNED_2 = FuncFormatter(lambda x, _pos: f"{x:+,.2f}" if round(x, 2) else "0")


def _gap_column(rk: pd.DataFrame) -> str:
    if "plan_gap_ils_per_year" in rk.columns and rk["plan_gap_ils_per_year"].notna().any():
        return "plan_gap_ils_per_year"
    return "plan_gap"


def cost_chart(result: RunResult, *, lang: Lang | str = Lang.EN, top_n: int = 15) -> Figure:
    """Per facility, how far the best plan containing each of the ``top_n`` best-ranked
    sites is from the recommended plan (ILS/yr where the objective has a cost, else its own
    unit).  Bars start at zero: the recommended plan's sites are the zero bars, marked."""
    lang = _chart_lang(lang)
    facs = list(result.results)
    fig = _figure(8.0, 1.4 + 0.3 * (top_n + 2) * len(facs))
    axes = fig.subplots(len(facs), 1, squeeze=False)[:, 0]
    for ax, fac in zip(axes, facs, strict=True):
        res = result.results[fac]
        rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank", kind="stable")
        ax.set_title(t(fac.value, lang), fontsize=9)
        if rk.empty:
            ax.text(
                0.5, 0.5, t("h_no_plan", lang), ha="center", va="center", transform=ax.transAxes
            )
            ax.set_axis_off()
            continue
        rk = rk.head(top_n)
        col = _gap_column(rk)
        values = rk[col].to_numpy(dtype=float)
        labels = [
            f"#{int(r)} {s}" + (f" ({p})" if p and p != s else "")
            for s, p, r in zip(
                rk["site_id"].astype(str), rk["plan_sites"].astype(str), rk["rank"], strict=True
            )
        ]
        chosen = rk["chosen"].astype(bool).to_numpy()
        colours = np.where(chosen, spec(fac).colour, "#bdbdbd")
        y = np.arange(len(values))[::-1]
        ax.barh(y, values, color=colours)
        ax.set_yticks(y, labels, fontsize=6.5)
        for tick, ch in zip(ax.get_yticklabels(), chosen, strict=True):
            if ch:  # the recommended plan's sites: their zero bars are marked on the axis
                tick.set_color(spec(fac).colour)
                tick.set_fontweight("bold")
        ax.set_xlabel(column_label(col, lang), fontsize=8)
        hi = float(np.nanmax(values)) if len(values) else 1.0
        ax.set_xlim(0.0, (hi or 1.0) * 1.25)
        ax.xaxis.set_major_formatter(
            _THOUSANDS
            if col.endswith("ils_per_year")
            else FuncFormatter(lambda x, _pos: f"{x:.2f}")
        )
        ax.tick_params(axis="x", labelsize=7)
        for yy, v, ch in zip(y, values, chosen, strict=True):
            text = f" {t('recommended_plan', lang)} ✓" if ch else f" +{fmt_value(col, v)}"
            ax.text(v, yy, text, va="center", fontsize=6)
    fig.suptitle(t("chart_plan_gap", lang), fontsize=10)
    fig.supxlabel(_MARK[lang] + t("chart_gap_note", lang), fontsize=7)
    return fig


def rank_stability_chart(
    result: RunResult, *, lang: Lang | str = Lang.EN, top_n: int = 10
) -> Figure | None:
    """Per facility, the share of weight draws whose optimal plan contains each site, and
    how often the recommended plan stays optimal; ``None`` without a Monte Carlo."""
    facs = [
        f
        for f, r in result.results.items()
        if "p_in_plan" in r.ranking.columns and r.ranking["p_in_plan"].notna().any()
    ]
    if not facs:
        return None
    lang = _chart_lang(lang)
    tables = {}
    for fac in facs:
        rk = result.results[fac].ranking
        rk = rk[rk["p_in_plan"].notna() & (rk["p_in_plan"] > 0) | rk["chosen"].astype(bool)]
        tables[fac] = rk.sort_values(
            ["p_in_plan", "rank"], ascending=[False, True], kind="stable"
        ).head(top_n)
    rows = sum(max(len(tb), 1) for tb in tables.values())
    fig = _figure(8.0, 1.5 + 0.32 * rows + 0.7 * len(facs))
    axes = fig.subplots(
        len(facs), 1, squeeze=False, height_ratios=[max(len(tb), 1) + 1 for tb in tables.values()]
    )[:, 0]
    for ax, fac in zip(axes, facs, strict=True):
        res = result.results[fac]
        rk = tables[fac]
        values = rk["p_in_plan"].to_numpy(dtype=float)
        y = np.arange(len(values))[::-1]
        colours = [spec(fac).colour if c else "#969696" for c in rk["chosen"].astype(bool)]
        ax.barh(y, values, color=colours)
        ax.set_yticks(y, [str(s) for s in rk["site_id"]], fontsize=7)
        ax.set_xlim(0, 1.25)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{100 * x:.0f}%"))
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xlabel(column_label("p_in_plan", lang), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        stays = res.extra.get("p_plan_stays_optimal")
        title = t(fac.value, lang)
        if stays is not None:
            title += " — " + t("h_stays", lang, p=f"{100 * stays:.0f}%")
        ax.set_title(title, fontsize=8.5)
        lo_col, hi_col = rank_interval_columns(list(rk.columns))
        for yy, (_, r) in zip(y, rk.iterrows(), strict=True):
            text = f" {100 * r['p_in_plan']:.0f}%"
            if lo_col and hi_col and not pd.isna(r[lo_col]) and not pd.isna(r[hi_col]):
                text += (
                    f"  ({column_label('rank_interval', lang)}: {int(r[lo_col])}–{int(r[hi_col])})"
                )
            ax.text(r["p_in_plan"], yy, text, va="center", fontsize=6.5)
    fig.suptitle(t("chart_in_plan", lang), fontsize=10)
    return fig


def _tornado_rows(tab: pd.DataFrame, outcome: str, lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for param, group in tab.groupby("parameter", sort=False):
        grp = group.sort_values("value", kind="stable")
        vals = grp[outcome].astype(float)
        if not vals.notna().any():
            continue
        changed = grp["plan_changed"].fillna(False).astype(bool).to_numpy()
        rows.append(
            {
                "parameter": str(param),
                "label": f"{param_label(str(param), lang)} "
                f"({grp['value'].iloc[0]:.3g}–{grp['value'].iloc[-1]:.3g})",
                "lo": float(vals.min()),
                "hi": float(vals.max()),
                "at_low": float(vals.iloc[0]),
                "at_high": float(vals.iloc[-1]),
                "changes": bool(changed.any()),
                "changed_at": [
                    (float(v), str(s))
                    for v, s, c in zip(vals, grp["plan_sites"].astype(str), changed, strict=True)
                    if c
                ],
            }
        )
    return rows


def tornado_chart(result: RunResult, *, lang: Lang | str = Lang.EN) -> Figure | None:
    """One-at-a-time sweeps that re-solve the plan (``result.sensitivity``).

    Per facility, per parameter: a bar over the range of the optimal plan's outcome
    (station: total ILS/yr; lots: mean driver km) across the parameter's steps, drawn as the
    difference from the baseline (the recommended plan at the scenario's values, the zero
    line, named on the chart), blue at the low value and red at the high one.  Steps where
    the optimal plan changes are marked with the new plan's sites; a parameter whose steps
    never change the plan is drawn grey and labelled "plan unchanged" — it moves the
    figures, not the answer.
    """
    table = getattr(result, "sensitivity", None)
    if table is None or len(table) == 0 or "plan_changed" not in table.columns:
        return None
    lang = _chart_lang(lang)
    panels = []
    for fac in result.results:
        tab = table[table["facility"].astype(str) == fac.value]
        outcome = "total_cost_ils_per_year" if fac is Facility.WASTE_STATION else "mean_driver_km"
        if tab.empty or outcome not in tab or not tab[outcome].notna().any():
            continue
        rows = _tornado_rows(tab, outcome, lang)
        if rows:
            base = tab.loc[tab["baseline"].astype(bool), outcome]
            panels.append((fac, outcome, rows, float(base.iloc[0]) if len(base) else None))
    if not panels:
        return None
    n = sum(len(p[2]) for p in panels)
    fig = _figure(8.5, 1.4 + 0.42 * n + 0.8 * len(panels))
    axes = fig.subplots(
        len(panels), 1, squeeze=False, height_ratios=[len(p[2]) + 1 for p in panels]
    )[:, 0]
    for ax, (fac, outcome, unsorted, base) in zip(axes, panels, strict=True):
        rows = sorted(unsorted, key=lambda r: (r["changes"], r["hi"] - r["lo"]))
        y = np.arange(len(rows))
        centre = base if base is not None else float(np.median([r["lo"] for r in rows]))
        # every bar is the difference from the baseline (the recommended plan at the
        # scenario's values), so the axis starts at that plan, at 0, explicitly
        for yy, r in zip(y, rows, strict=True):
            if r["changes"]:
                ax.barh(yy, r["at_low"] - centre, left=0.0, color="#4393c3")
                ax.barh(yy, r["at_high"] - centre, left=0.0, color="#d6604d")
                for value, sites in r["changed_at"]:
                    ax.plot([value - centre], [yy], marker="D", color="black", ms=4)
                    ha = "right" if value < centre else "left"
                    ax.text(value - centre, yy + 0.28, f" {sites} ", ha=ha, fontsize=5.5)
            else:
                ax.barh(
                    yy,
                    r["hi"] - r["lo"],
                    left=r["lo"] - centre,
                    color="#d9d9d9",
                    hatch="///",
                    edgecolor="#969696",
                )
                ax.text(
                    r["hi"] - centre,
                    yy,
                    f"  {t('plan_unchanged', lang)}",
                    va="center",
                    fontsize=6,
                    color="#636363",
                )
        ax.axvline(0.0, color="black", lw=1)
        money = "ils" in outcome
        ax.text(
            0.0,
            len(rows) - 0.35,
            t("chart_tornado_base", lang, sites=" + ".join(result.results[fac].chosen)),
            ha="center",
            va="bottom",
            fontsize=6.5,
        )
        ax.set_ylim(-0.7, len(rows) + 0.2)
        ax.set_yticks(y, [r["label"] for r in rows], fontsize=7)
        base_text = (
            f"{fmt_number(centre)} {t('unit_ils_year', lang)}"
            if money
            else f"{fmt_number(centre, 2)} {t('km', lang)}"
        )
        ax.set_xlabel(
            t("chart_tornado_x", lang, outcome=column_label(outcome, lang), base=base_text),
            fontsize=8,
        )
        ax.xaxis.set_major_formatter(_SIGNED if money else _SIGNED_2)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        spread = max(max(abs(r["lo"] - centre), abs(r["hi"] - centre)) for r in rows)
        if spread <= 1e-9 * max(1.0, abs(centre)):  # no step moves the outcome: say so, at scale
            half = 0.01 * abs(centre) or 1.0
            ax.set_xlim(-half, half)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{t('chart_tornado', lang)}: {t(fac.value, lang)}", fontsize=9)
        ax.legend(
            handles=[
                Patch(color="#4393c3", label=t("low_value", lang)),
                Patch(color="#d6604d", label=t("high_value", lang)),
                Line2D(
                    [], [], marker="D", color="black", ls="", label=t("plan_changes_here", lang)
                ),
                Patch(
                    facecolor="#d9d9d9",
                    hatch="///",
                    edgecolor="#969696",
                    label=t("plan_unchanged", lang),
                ),
            ],
            fontsize=6,
            loc="lower right",
        )
    return fig


def all_figures(result: RunResult, *, lang: Lang | str = Lang.EN) -> dict[str, bytes]:
    """Every figure the result supports, as ``{file name: PNG bytes}``."""
    out = {
        "map.png": png_bytes(map_figure(result, lang=lang)),
        "cost_by_candidate.png": png_bytes(cost_chart(result, lang=lang)),
    }
    stab = rank_stability_chart(result, lang=lang)
    if stab is not None:
        out["rank_stability.png"] = png_bytes(stab)
    tornado = tornado_chart(result, lang=lang)
    if tornado is not None:
        out["tornado.png"] = png_bytes(tornado)
    return out
