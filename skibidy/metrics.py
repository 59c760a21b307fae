"""The metrics table: 40 columns, one row per ``skin.metrics_interval_h`` (MODEL.md section 5)."""

from __future__ import annotations

__all__ = ["METRIC_COLUMNS"]

METRIC_COLUMNS: tuple[str, ...] = (
    "step",
    "time_h",
    "time_days",
    "n_agents",
    "n_stem",
    "n_ta",
    "n_g0",
    "n_basal",
    "n_spinous",
    "n_granular",
    "n_cornified",
    "n_neutrophils",
    "n_macrophages",
    "wound_closure_pct",
    "mean_o2_wound",
    "mean_ca_wound",
    "mean_infl_wound",
    "scar_magnitude",
    "mean_anti_infl_wound",
    "n_fibroblasts",
    "n_myofibroblasts",
    "mean_tgfb_wound",
    "mean_collagen_wound",
    "mean_perfusion_wound",
    "n_tumor_cells",
    "n_tumor_cycling",
    "tumor_field_cells",
    "mean_biofilm_wound",
    "mean_vegf_wound",
    "mean_mmp_wound",
    "mean_fibronectin_wound",
    "mean_elastin_wound",
    "mean_hyaluronan_wound",
    "mean_dermis_papillary",
    "mean_dermis_reticular",
    "mean_dermis_hypodermis",
    "mean_ph_wound",
    "mean_fibrin_wound",
    "mean_ecm_quality",
    "mean_tissue_viability",
)
assert len(METRIC_COLUMNS) == 40
