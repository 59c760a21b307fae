"""Grid indexing and seeds: a run's seed depends only on what the run is."""

from __future__ import annotations

import numpy as np

from orchestration.grid import Grid, run_seed
from orchestration.spec import parse_sweep


def _spec(values: str, runs: int = 3, extra: str = ""):
    return parse_sweep(
        f'[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = {values}\nruns_per_value = {runs}\n{extra}'
    )


def test_flat_index_round_trip() -> None:
    g = Grid(_spec("[0.001, 0.002, 0.003]", 4))
    assert g.shape == (3, 4) and g.size == 12
    for r in range(g.size):
        assert g.flat(g.index(r)) == r
    assert g.point(5) == {"skin.immune.cytokine_rate": 0.002}
    assert g.replicate(5) == 1


def test_seeds_survive_grid_extension() -> None:
    small = Grid(_spec("[0.001, 0.002]", 2))
    big = Grid(_spec("[0.0005, 0.001, 0.002, 0.004]", 5))
    for r in range(small.size):
        point, rep = small.point(r), small.replicate(r)
        r_big = big.flat((big.axes[0].values.index(point["skin.immune.cytokine_rate"]), rep))
        assert small.seed(r) == big.seed(r_big)


def test_seeds_are_distinct_and_not_root_plus_i() -> None:
    g = Grid(_spec("[0.001, 0.002, 0.003]", 5))
    seeds = g.seeds().ravel()
    assert len(set(seeds.tolist())) == seeds.size
    assert not np.array_equal(seeds[1:] - seeds[:-1], np.ones(seeds.size - 1, dtype=np.uint64))


def test_seed_matches_seed_sequence_definition() -> None:
    from orchestration.grid import point_hash_words

    point = {"skin.immune.cytokine_rate": 0.002}
    ss = np.random.SeedSequence(7, spawn_key=(3, *point_hash_words(point)))
    assert run_seed(7, point, 3) == int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def test_common_seeding_shares_seeds_across_points() -> None:
    g = Grid(_spec("[0.001, 0.002]", 2, 'seeding = "common"'))
    assert g.seed(0) == g.seed(2) and g.seed(1) == g.seed(3) and g.seed(0) != g.seed(1)


def test_union_time_axis_over_presets() -> None:
    spec = parse_sweep(
        '[sweep]\nparam = "preset"\nvalues = ["wound", "diabetic_wound"]\n'
        '[sweep.set]\n"skin.metrics_interval_h" = 24.0\n'
    )
    from skibidy import load_config

    t = Grid(spec).time_h
    longest = max(load_config(preset=p).duration_days for p in ("wound", "diabetic_wound"))
    assert t[0] == 0 and t[-1] == longest * 24 and np.all(np.diff(t) > 0)  # the last row is the run's end


def test_union_time_axis_matches_simulated_rows_for_uneven_durations() -> None:
    """A duration that is not a whole number of metrics intervals ends on its own last row, no empty one."""
    from skibidy import load_config, simulate

    spec = parse_sweep('[sweep]\nparam = "skin.duration_days"\nvalues = [0.85, 0.5]\n')
    rows = [simulate(load_config(overrides={"skin.duration_days": d}), seed=0)["time_h"] for d in (0.85, 0.5)]
    assert Grid(spec).time_h.tolist() == sorted(set(rows[0]) | set(rows[1])) == [0.0, 10.0, 12.0, 20.0]
