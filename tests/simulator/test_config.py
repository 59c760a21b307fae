"""Configuration layering, the parameter registry and every kind of ConfigError."""

from __future__ import annotations

import pickle

import pytest

import skibidy
from skibidy.config import PARAMETERS, PRESETS, SKINS, Config, check_value, load_config
from skibidy.errors import ConfigError, SkibidyError


def test_layers_apply_in_order_core_profile_preset_override() -> None:
    aged = load_config("aged", "wound")
    assert PARAMETERS["skin.water_recovery_rate"].default == 0.05  # core value
    assert load_config("normal", "wound")["skin.water_recovery_rate"] == 0.05
    assert aged["skin.water_recovery_rate"] == 0.035  # profile wins
    assert aged["skin.g1_duration"] == 9.0
    assert load_config("normal", "diabetic_wound").duration_days == 42.0  # preset wins
    cfg = load_config("normal", "wound", {"skin.water_recovery_rate": 0.07})
    assert cfg["skin.water_recovery_rate"] == 0.07  # override wins


def test_presets_switch_modules() -> None:
    assert load_config("normal", "wound")["skin.hemostasis.enabled"] is True
    assert PARAMETERS["skin.hemostasis.enabled"].default is False
    assert load_config("normal", "nothing")["skin.wound.enabled"] is False
    assert load_config("diabetic", "wound")["skin.diabetic.mode"] is True


@pytest.mark.parametrize("skin", SKINS)
@pytest.mark.parametrize("preset", PRESETS)
def test_every_profile_and_preset_loads(skin: str, preset: str) -> None:
    cfg = load_config(skin, preset)
    assert cfg.skin == skin and cfg.preset == preset


def test_config_is_immutable_picklable_and_exports() -> None:
    cfg = load_config(overrides={"skin.immune.cytokine_rate": 0.002})
    with pytest.raises(AttributeError):
        cfg.skin = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg["skin.immune.cytokine_rate"] = 1.0  # type: ignore[index]
    again = pickle.loads(pickle.dumps(cfg))
    assert again == cfg and again.overrides == {"skin.immune.cytokine_rate": 0.002}
    assert cfg.to_dict()["skin"]["immune"]["cytokine_rate"] == 0.002
    assert cfg.get("skin.nope", 5) == 5
    assert "cytokine_rate = 0.002" in cfg.to_toml()
    assert isinstance(cfg, Config)


def test_to_toml_round_trips() -> None:
    import tomllib

    cfg = load_config("diabetic", "diabetic_wound")
    flat = {}
    def walk(node, prefix=""):
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else k
            walk(v, path) if isinstance(v, dict) else flat.__setitem__(path, v)
    walk(tomllib.loads(cfg.to_toml()))
    assert load_config("diabetic", "diabetic_wound", flat) == cfg


def test_every_parameter_has_unit_meaning_and_valid_default() -> None:
    for path, p in PARAMETERS.items():
        assert p.unit and p.meaning, path
        assert check_value(path, p.default) == p.default


def test_unknown_key_names_nearest_valid_names() -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(overrides={"skin.immune.cytokin_rate": 0.1})
    assert "skin.immune.cytokine_rate" in str(exc.value) and "unknown" in str(exc.value)


@pytest.mark.parametrize("path", ["skin.p_asymmetric", "skin.lateral_scatter", "skin.tumor.enabled",
                                  "skin.biofilm.growth_rate", "skin.wound.vascular_damage"])
def test_unused_reference_keys_are_rejected(path: str) -> None:
    with pytest.raises(ConfigError):
        load_config(overrides={path: 0.5})


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("skin.immune.cytokine_rate", -0.1, ">= 0"),
        ("skin.stem_fraction", 1.5, "0 .. 1"),
        ("skin.g1_duration", 0.0, "> 0"),
        ("skin.wound.enabled", "yes", "true or false"),
        ("skin.max_ta_divisions", 2.5, "integer"),
        ("skin.immune.cytokine_rate", "fast", "number"),
        ("skin.immune.cytokine_rate", float("nan"), "finite"),
        ("skin.wound.radius", 40.0, "200 .. 10000"),
    ],
)
def test_bad_values_raise_one_clear_error(path: str, value: object, words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(overrides={path: value})
    assert words in str(exc.value)
    assert path.rsplit(".", 1)[-1] in str(exc.value)


def test_config_error_is_a_skibidy_and_value_error() -> None:
    with pytest.raises(SkibidyError):
        load_config("martian")
    with pytest.raises(ValueError):
        load_config(preset="wund")


def test_metrics_interval_must_be_whole_hours() -> None:
    with pytest.raises(ConfigError, match="whole number of hours"):
        load_config(overrides={"skin.metrics_interval_h": 2.5})


def test_check_value_coerces_kinds() -> None:
    assert check_value("skin.max_ta_divisions", 4.0) == 4
    assert isinstance(check_value("skin.immune.cytokine_rate", 1), float)


def test_public_api() -> None:
    for name in ("simulate", "load_config", "validate", "Config", "ConfigError", "SkibidyError", "METRIC_COLUMNS"):
        assert hasattr(skibidy, name)
    assert len(skibidy.METRIC_COLUMNS) == 40
    assert skibidy.METRIC_COLUMNS[:3] == ("step", "time_h", "time_days")
