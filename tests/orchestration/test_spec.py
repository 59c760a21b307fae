"""Sweep configs become validated specs; every mistake is a SpecError naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.spec import SpecError, batch_spec, load_sweep, parse_set, parse_sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_config_is_valid(path: Path) -> None:
    spec = load_sweep(path)
    assert spec.axes and spec.n_runs >= 1


def test_single_param_form() -> None:
    spec = parse_sweep(
        '[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [0.001, 0.002]\nruns_per_value = 3\n'
    )
    assert [a.param for a in spec.axes] == ["skin.immune.cytokine_rate"]
    assert spec.axes[0].name == "cytokine_rate"
    assert spec.n_runs == 6


def test_skin_and_preset_axes_and_size_one_axis() -> None:
    spec = parse_sweep(
        """
        [sweep]
        runs_per_value = 1
        [[sweep.params]]
        param = "skin"
        values = ["normal", "aged", "diabetic"]
        [[sweep.params]]
        param = "preset"
        values = ["wound"]
        """
    )
    assert [a.name for a in spec.axes] == ["skin", "preset"]
    assert spec.axes[1].values == ("wound",)
    assert spec.n_runs == 3


def test_hash_ignores_name_and_outcomes_but_not_values() -> None:
    base = '[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [0.001, 0.002]\n'
    a = parse_sweep(base + 'name = "a"\n[outcomes]\nprimary = "wound_closure_pct"\n')
    b = parse_sweep(base + 'name = "b"\n[outcomes]\nprimary = "scar_magnitude"\n')
    c = parse_sweep(base.replace("0.002", "0.003"))
    assert a.hash == b.hash != c.hash
    assert a.with_options(runs_per_value=4).hash != a.hash


def test_spec_round_trips_through_dict() -> None:
    spec = load_sweep(ROOT / "configs" / "collagen_vs_scar.toml")
    from orchestration.spec import SweepSpec

    again = SweepSpec.from_dict(spec.to_dict())
    assert again.hash == spec.hash and again.axes == spec.axes


def test_batch_spec_has_no_axes() -> None:
    spec = batch_spec(runs=3, overrides={"skin.duration_days": 1})
    assert spec.axes == () and spec.n_runs == 3 and spec.kind == "batch"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[sweep\nparam = 1", "not valid TOML"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\nbogus = 1\n', "unknown key 'bogus'"),
        ('[sweep]\nruns_per_value = 2\n', "neither 'param' nor 'params'"),
        ('[sweep]\nparam = "skin.immune.cytokin_rate"\nvalues = [1e-3]\n', "cytokine_rate"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = []\n', "non-empty list"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [0.001, 0.001]\n', "duplicate values"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = ["high"]\n', "skin.immune.cytokine_rate"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [-1.0]\n', "skin.immune.cytokine_rate"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\n[outcomes]\nprimary = "closure"\n', "unknown outcome metric"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\n[outcomes]\nmeasure = "median"\n', "valid measures: final, peak, min, mean, auc"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\n[outcomes]\nmeasure = "time_to_"\n', "needs a threshold number"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\nskin = "old"\n', "unknown skin 'old'"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\npreset = "burn"\n', "unknown preset 'burn'"),
        ('[sweep]\nparam = "skin"\nvalues = ["normal", "young"]\n', "unknown skin 'young'"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\nruns_per_value = 0\n', "at least 1"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\n[outcomes]\nextra = 1\n', "unknown key 'extra'"),
        ('[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [1e-3]\n[clusters]\n', "unknown top-level table 'clusters'"),
    ],
)
def test_bad_configs_name_the_problem(text: str, needle: str) -> None:
    with pytest.raises(SpecError, match=None) as exc:
        parse_sweep(text, source="bad.toml")
    assert needle in str(exc.value)


def test_malformed_toml_reports_its_line() -> None:
    with pytest.raises(SpecError) as exc:
        parse_sweep('[sweep]\nname = "x"\nvalues = [1,, 2]\n', source="bad.toml")
    assert "line 3" in str(exc.value)


def test_missing_file() -> None:
    with pytest.raises(SpecError, match="not found"):
        load_sweep("no/such/file.toml")


def test_parse_set() -> None:
    assert parse_set(["skin.duration_days=2"]) == {"skin.duration_days": 2.0}
    with pytest.raises(SpecError, match="did you mean"):
        parse_set(["skin.duration_day=2"])
    with pytest.raises(SpecError, match="PATH=VALUE"):
        parse_set(["skin.duration_days"])
    with pytest.raises(SpecError):
        parse_set(["skin.duration_days=abc"])
