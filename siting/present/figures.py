"""Static figures for printed reports (matplotlib, no GUI backend, no basemap).

* :func:`map_figure` — the result on one page: candidate cells by score
  (excluded grey), localities sized by residents, authorities, the chosen
  sites and their assignments, with a scale bar and a north arrow;
* :func:`cost_chart` — the best candidates' cost per facility (ILS/yr and
  tonne-km for the waste station, truck-km/day for truck lots);
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
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from siting.costs import metric_points
from siting.facility import spec
from siting.layers import METRIC_CRS, Facility
from siting.present.i18n import Lang, column_label, fmt_number, t

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = [
    "all_figures",
    "cost_chart",
    "map_figure",
    "png_bytes",
    "rank_stability_chart",
    "sensitivity_outcome",
    "tornado_chart",
]

log = logging.getLogger(__name__)

FONT = ["DejaVu Sans", "Arial", "sans-serif"]
_MARK = {Lang.EN: "\u200e", Lang.HE: "\u200f"}  # left-to-right / right-to-left mark

# outcome columns a sensitivity table may carry, most useful first
OUTCOME_COLUMNS = (
    "total_cost_ils_per_year",
    "cost_ils_per_year",
    "haul_cost_ils_per_year",
    "best_cost_ils_per_year",
    "objective",
    "best_objective",
    "haul_tkm_per_year",
    "truck_km_per_day",
)


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
    fig = _figure(8.0, 9.0)
    ax = fig.add_subplot()
    cand = result.candidates.to_crs(METRIC_CRS)
    auth = result.region.authorities.to_crs(METRIC_CRS)
    member = auth["member"].astype(bool)
    polygons = bool(auth.geom_type.isin(["Polygon", "MultiPolygon"]).all())
    land_handles = _land_context(ax, result, auth, lang) if polygons else []
    fac = _first(result)
    rk = result.results[fac].ranking.set_index(result.results[fac].ranking["site_id"].astype(str))
    score = cand["id"].astype(str).map(rk["score"]).astype(float)
    excluded = cand["id"].astype(str).map(rk["excluded"]).fillna(True).astype(bool)
    cand[~excluded].assign(score=score[~excluded]).plot(
        ax=ax, column="score", cmap="YlOrBr", linewidth=0.1, edgecolor="#888", alpha=0.8, zorder=2
    )
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
    for lid, sid in zip(res.assignment["locality_id"], res.assignment["site_id"], strict=True):
        a, b = loc_xy[str(lid)], site_xy[str(sid)]
        ax.plot([a[0], b[0]], [a[1], b[1]], color=spec(fac).colour, lw=0.6, alpha=0.5, zorder=3)
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
        pts = np.array([site_xy[str(s)] for s in r.chosen])
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
        Patch(color="#fe9929", label=t("legend_score", lang)),
        Patch(facecolor="none", edgecolor="#999", label=t("legend_excluded", lang)),
        *land_handles,
        Line2D([], [], marker="o", color="#525252", linestyle="", label=t("legend_locality", lang)),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    _scale_bar(ax, lang)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    mark = _MARK[lang]  # the page direction decides where mixed Hebrew/English text starts
    title = f"{mark}{result.region.name}\n{mark}{t('scenario', lang)}: {result.scenario.name}"
    ax.set_title(title, fontsize=10)
    if result.costs.approximate:
        fig.text(0.01, 0.005, t("approximate_warning", lang), fontsize=7, color="#a50026")
    return fig


#: Fill of the land context on the static map: member land, neighbours, other land.
_LAND_FILL = {
    "member": "#e5f5e0",
    "neighbour": "#f0f0f0",
    "other": "#d9d9d9",
    "no_jurisdiction": "#cfcfcf",
    "sea": "#deebf7",
}
_LAND_LABEL = {
    "member": ("member authorities' land (searched)", "שטח הרשויות החברות (נבדק)"),
    "other": ("other land (not searched)", "קרקע אחרת (לא נבדקה)"),
    "sea": ("sea", "ים"),
    "outside": ("outside Israeli jurisdiction", "מחוץ לשיפוט ישראלי"),
}


def _land_context(ax: Any, result: RunResult, auth: Any, lang: Lang) -> list[Any]:
    """Fill the region's land as the map's geography (there is no basemap offline):
    members green, other jurisdictions and land without one grey, the sea blue."""
    member = auth["member"].astype(bool)
    auth[member].plot(ax=ax, color=_LAND_FILL["member"], linewidth=0, zorder=0)
    if (~member).any():
        auth[~member].plot(ax=ax, color=_LAND_FILL["neighbour"], linewidth=0, zorder=0)
    handles = [Patch(color=_LAND_FILL["member"], label=_pick(_LAND_LABEL["member"], lang))]
    land = result.region.extra.get("jurisdictions")
    if land is not None and len(land):
        land = land.to_crs(METRIC_CRS)
        other = land[~land["id"].astype(int).isin(auth["id"].astype(int))]
        for kind, part in other.groupby(
            other["kind"].where(other["kind"].isin(_LAND_FILL), "other")
        ):
            part.plot(ax=ax, color=_LAND_FILL[str(kind)], linewidth=0, zorder=0)
            part.boundary.plot(ax=ax, color="#a0a0a0", linewidth=0.4, zorder=1)
        handles.append(Patch(color=_LAND_FILL["other"], label=_pick(_LAND_LABEL["other"], lang)))
        handles.append(
            Patch(facecolor="white", edgecolor="#a0a0a0", label=_pick(_LAND_LABEL["outside"], lang))
        )
        if (other["kind"] == "sea").any():
            handles.append(Patch(color=_LAND_FILL["sea"], label=_pick(_LAND_LABEL["sea"], lang)))
        xmin, ymin, xmax, ymax = auth.total_bounds
        pad = 1500.0
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
    return handles


def _pick(texts: tuple[str, str], lang: Lang) -> str:
    return texts[1] if lang is Lang.HE else texts[0]


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


COST_COLUMNS = (
    "total_cost_ils_per_year",
    "haul_cost_ils_per_year",
    "haul_tkm_per_year",
    "truck_km_per_day",
)

_THOUSANDS = FuncFormatter(lambda x, _pos: f"{x:,.0f}")


def cost_chart(result: RunResult, *, lang: Lang | str = Lang.EN, top_n: int = 15) -> Figure:
    """Horizontal bars of the ``top_n`` cheapest eligible candidates per facility.

    The cost is the first of :data:`COST_COLUMNS` the ranking has; the chosen
    sites are always shown (in the facility's colour) and each bar is labelled
    with the site's rank, since the rank weighs more than cost.
    """
    lang = _chart_lang(lang)
    facs = list(result.results)
    fig = _figure(8.0, 1.2 + 0.3 * (top_n + 2) * len(facs))
    axes = fig.subplots(len(facs), 1, squeeze=False)[:, 0]
    for ax, fac in zip(axes, facs, strict=True):
        res = result.results[fac]
        ok = res.ranking[~res.ranking["excluded"].astype(bool)]
        col = next((c for c in COST_COLUMNS if c in ok.columns and ok[c].notna().any()), "score")
        chosen_ids = [str(s) for s in res.chosen]
        best = ok.sort_values([col, "site_id"], kind="stable").head(top_n)
        extra = ok[ok["site_id"].astype(str).isin(chosen_ids) & ~ok.index.isin(best.index)]
        rk = pd.concat([best, extra]).sort_values([col, "site_id"], kind="stable")
        values = rk[col].to_numpy(dtype=float)
        labels = [
            f"{s} (#{int(r)})" if not pd.isna(r) else str(s)
            for s, r in zip(rk["site_id"], rk["rank"], strict=True)
        ]
        chosen = rk["site_id"].astype(str).isin(chosen_ids).to_numpy()
        colours = np.where(chosen, spec(fac).colour, "#bdbdbd")
        y = np.arange(len(values))[::-1]
        ax.barh(y, values, color=colours)
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_xlabel(column_label(col, lang), fontsize=8)
        ax.set_title(t(fac.value, lang), fontsize=9)
        lo = float(np.nanmin(values)) if len(values) else 0.0
        hi = float(np.nanmax(values)) if len(values) else 1.0
        pad = (hi - lo) * 0.15 or hi * 0.05 or 1.0
        ax.set_xlim(max(0.0, lo - pad), hi + pad)
        ax.xaxis.set_major_formatter(_THOUSANDS)
        ax.tick_params(axis="x", labelsize=7)
        for yy, v in zip(y, values, strict=True):
            ax.text(v, yy, f" {fmt_number(v)}", va="center", fontsize=6)
    fig.suptitle(t("chart_cost", lang), fontsize=10)
    return fig


def rank_stability_chart(
    result: RunResult, *, lang: Lang | str = Lang.EN, top_n: int = 10
) -> Figure | None:
    """Bars of each site's probability of ranking first; ``None`` without ``p_first``.

    Sites that never rank first are left out (the best-ranked one is kept); the
    90 % rank interval (``rank_p05``–``rank_p95``) is written beside each bar
    when the ranking has it.
    """
    facs = [f for f, r in result.results.items() if "p_first" in r.ranking.columns]
    if not facs:
        return None
    lang = _chart_lang(lang)
    tables = {}
    for fac in facs:
        rk = result.results[fac].ranking
        rk = rk[rk["p_first"].notna() & ~rk["excluded"].astype(bool)]
        rk = rk.sort_values(["p_first", "rank"], ascending=[False, True], kind="stable")
        tables[fac] = pd.concat([rk.head(1), rk.iloc[1:][rk["p_first"].iloc[1:] > 0]]).head(top_n)
    rows = sum(max(len(tb), 1) for tb in tables.values())
    fig = _figure(8.0, 1.3 + 0.32 * rows + 0.6 * len(facs))
    axes = fig.subplots(
        len(facs), 1, squeeze=False, height_ratios=[max(len(tb), 1) + 1 for tb in tables.values()]
    )[:, 0]
    for ax, fac in zip(axes, facs, strict=True):
        rk = tables[fac]
        chosen = {str(s) for s in result.results[fac].chosen}
        values = rk["p_first"].to_numpy(dtype=float)
        y = np.arange(len(values))[::-1]
        colours = [spec(fac).colour if str(s) in chosen else "#969696" for s in rk["site_id"]]
        ax.barh(y, values, color=colours)
        ax.set_yticks(y, [str(s) for s in rk["site_id"]], fontsize=7)
        ax.set_xlim(0, 1.18)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{100 * x:.0f}%"))
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xlabel(column_label("p_first", lang), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(t(fac.value, lang), fontsize=9)
        interval = {"rank_p05", "rank_p95"} <= set(rk.columns)
        for yy, (_, r) in zip(y, rk.iterrows(), strict=True):
            text = f" {100 * r['p_first']:.0f}%"
            if interval and not pd.isna(r["rank_p05"]) and not pd.isna(r["rank_p95"]):
                text += (
                    f"  ({column_label('rank_interval', lang)}: "
                    f"{int(r['rank_p05'])}–{int(r['rank_p95'])})"
                )
            ax.text(r["p_first"], yy, text, va="center", fontsize=6.5)
    fig.suptitle(t("chart_rank_stability", lang), fontsize=10)
    return fig


def sensitivity_outcome(table: pd.DataFrame) -> str | None:
    """The outcome column of a sensitivity table that a tornado chart shows."""
    for col in OUTCOME_COLUMNS:
        if col in table.columns and pd.api.types.is_numeric_dtype(table[col]):
            return col
    return None


def _tornado_ranges(table: pd.DataFrame) -> tuple[pd.DataFrame, str, float | None] | None:
    """Per parameter: the outcome at its low and high value, the outcome's name, the baseline.

    ``ordered`` is False when the table does not say which parameter value gave
    which outcome (then ``at_low``/``at_high`` are the outcome's min and max).
    """
    if "parameter" not in table.columns:
        return None
    if {"low", "high"} <= set(table.columns):  # wide: one row per parameter
        out = table[["parameter"]].assign(
            at_low=table["low"].astype(float),
            at_high=table["high"].astype(float),
            ordered=True,
            site_low="",
            site_high="",
        )
        base = float(table["base"].iloc[0]) if "base" in table.columns else None
        return out, "objective", base
    outcome = sensitivity_outcome(table)
    if outcome is None:
        return None
    tab = table
    if "facility" in tab.columns:
        kinds = tab["facility"].astype(str)
        pick = "waste_station" if (kinds == "waste_station").any() else kinds.iloc[0]
        tab = tab[kinds == pick]
    base = None
    for flag in ("is_baseline", "baseline", "is_base"):
        if flag in tab.columns and tab[flag].astype(bool).any():
            base = float(tab.loc[tab[flag].astype(bool), outcome].iloc[0])
            break
    site = "best_site_id" if "best_site_id" in tab.columns else None
    rows = []
    for param, group in tab.groupby("parameter", sort=False):
        grp = group[group[outcome].notna()]
        if len(grp) == 0:
            continue
        if "value" in grp.columns and pd.api.types.is_numeric_dtype(grp["value"]):
            srt = grp.sort_values("value", kind="stable")
            label = f"{param} ({srt['value'].iloc[0]:.3g}–{srt['value'].iloc[-1]:.3g})"
            rows.append(
                (
                    label,
                    float(srt[outcome].iloc[0]),
                    float(srt[outcome].iloc[-1]),
                    True,
                    str(srt[site].iloc[0]) if site else "",
                    str(srt[site].iloc[-1]) if site else "",
                )
            )
        else:
            rows.append(
                (str(param), float(grp[outcome].min()), float(grp[outcome].max()), False, "", "")
            )
    columns = ["parameter", "at_low", "at_high", "ordered", "site_low", "site_high"]
    out = pd.DataFrame(rows, columns=columns)
    if site and "baseline" in tab.columns and tab["baseline"].astype(bool).any():
        base_site = str(tab.loc[tab["baseline"].astype(bool), site].iloc[0])
        out.attrs["base_site"] = base_site
    return out, outcome, base


def tornado_chart(result: RunResult, *, lang: Lang | str = Lang.EN) -> Figure | None:
    """A tornado chart of the run's one-at-a-time sensitivity sweeps.

    Reads ``result.sensitivity`` (a DataFrame), either long — ``parameter``, the
    swept ``value``, an outcome column (the first of :data:`OUTCOME_COLUMNS`
    present), optionally ``facility`` (the waste station is shown) and a boolean
    ``is_baseline`` — or wide — ``parameter``, ``low``, ``high`` (outcomes at the
    parameter's low and high value) and optionally ``base``.  Bars run from the
    baseline to the outcome at the parameter's low value (blue) and high value
    (red); grey when the table does not say which value gave which outcome.
    Returns ``None`` when there is no such table.
    """
    table = getattr(result, "sensitivity", None)
    if table is None or len(table) == 0:
        return None
    ranges = _tornado_ranges(table)
    if ranges is None or len(ranges[0]) == 0:
        log.info("sensitivity table has no recognised outcome column; no tornado chart")
        return None
    lang = _chart_lang(lang)
    data, outcome, base = ranges
    data = data.assign(width=(data["at_high"] - data["at_low"]).abs()).sort_values(
        "width", kind="stable"
    )
    fig = _figure(8.0, 1.4 + 0.4 * len(data))
    ax = fig.add_subplot()
    y = np.arange(len(data))
    mids = (data["at_low"] + data["at_high"]) / 2
    centre = base if base is not None else float(np.median(mids))
    base_site = ranges[0].attrs.get("base_site", "")
    for yy, (_, r) in zip(y, data.iterrows(), strict=True):
        if r["ordered"]:
            ax.barh(yy, r["at_low"] - centre, left=centre, color="#4393c3")
            ax.barh(yy, r["at_high"] - centre, left=centre, color="#d6604d")
        else:
            lo, hi = sorted((r["at_low"], r["at_high"]))
            ax.barh(yy, hi - lo, left=lo, color="#969696")
        # say where the best site changes: that is what the committee asks
        for value, site in ((r["at_low"], r["site_low"]), (r["at_high"], r["site_high"])):
            if site and base_site and site != base_site:
                ha = "right" if value < centre else "left"
                ax.text(value, float(yy), f" {site} ", va="center", ha=ha, fontsize=6.5)
    ax.axvline(centre, color="black", lw=1)
    ax.xaxis.set_major_formatter(_THOUSANDS)
    if base_site:
        ax.text(centre, len(data) - 0.4, f" {t('best_site', lang)}: {base_site}", fontsize=7)
    ax.set_yticks(y, [str(p) for p in data["parameter"]], fontsize=8)
    ax.set_xlabel(column_label(outcome, lang), fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if data["ordered"].any():
        ax.legend(
            handles=[
                Patch(color="#4393c3", label=t("low_value", lang)),
                Patch(color="#d6604d", label=t("high_value", lang)),
            ],
            fontsize=7,
            loc="lower right",
        )
    facs = table["facility"].astype(str) if "facility" in table.columns else None
    shown = "waste_station" if facs is None or (facs == "waste_station").any() else facs.iloc[0]
    title = t("chart_tornado", lang)
    if shown in {f.value for f in Facility}:
        title += f": {t(shown, lang)}"
    ax.set_title(title, fontsize=10)
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
