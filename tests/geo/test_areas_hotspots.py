"""Point in polygon on real neighbourhood-like shapes, and Getis–Ord Gi* hotspots checked
against an independent dense-matrix computation and on a constructed case with a known
hotspot."""

from __future__ import annotations

import h3
import numpy as np
import pytest
import shapely
from scipy.stats import false_discovery_control

from civiclab.geo.spatial.areas import assign_areas
from civiclab.geo.spatial.hotspots import gi_star, hotspots

WEST = shapely.box(-88.2, 30.6, -88.1, 30.8)
EAST = shapely.box(-88.1, 30.6, -88.0, 30.8)
BOWTIE = shapely.Polygon([(-87.9, 30.6), (-87.8, 30.8), (-87.8, 30.6), (-87.9, 30.8)])


def test_points_get_their_area_and_every_other_case_is_counted() -> None:
    lon = np.array([-88.15, -88.05, -88.1, -87.5, np.nan, -87.82])
    lat = np.array([30.7, 30.7, 30.7, 30.7, np.nan, 30.65])
    areas = shapely.to_wkb(np.array([WEST, EAST, BOWTIE, shapely.Polygon()], dtype=object))
    result = assign_areas(lon, lat, areas, ["West", "East", "Bowtie", "Empty"])
    # -88.1 lies on the shared edge: the first area wins and the point is ambiguous.
    assert result.labels.tolist() == ["West", "East", "West", None, None, "Bowtie"]
    assert (result.inside, result.outside, result.without_location) == (4, 1, 1)
    assert (result.ambiguous, result.repaired_areas, result.unusable_areas) == (1, 1, 1)


def dense_gi_star(cells: list[str], x: np.ndarray) -> np.ndarray:
    """Gi* written straight from Ord & Getis (1995), with a full weight matrix."""
    n = len(cells)
    w = np.array([[1.0 if b in h3.grid_disk(a, 1) else 0.0 for b in cells] for a in cells])
    mean, s = x.mean(), np.sqrt((x**2).sum() / n - x.mean() ** 2)
    sw, sw2 = w.sum(axis=1), (w**2).sum(axis=1)
    return (w @ x - mean * sw) / (s * np.sqrt((n * sw2 - sw**2) / (n - 1)))


def test_gi_star_matches_the_textbook_formula() -> None:
    rng = np.random.default_rng(7)
    centre = h3.latlng_to_cell(30.69, -88.04, 9)
    cells = sorted(h3.grid_disk(centre, 3))
    x = rng.poisson(3, len(cells)).astype(float)
    assert np.allclose(gi_star(cells, x), dense_gi_star(cells, x))


def test_a_planted_cluster_is_the_only_hotspot() -> None:
    rng = np.random.default_rng(42)
    # 3,000 rows spread evenly over ~6 × 6 km, and 300 more within 150 m of one corner.
    lon = np.concatenate([rng.uniform(-88.10, -88.04, 3000), rng.normal(-88.09, 0.0008, 300)])
    lat = np.concatenate([rng.uniform(30.66, 30.72, 3000), rng.normal(30.71, 0.0008, 300)])
    lon[:5] = np.nan
    found = hotspots(lon, lat, resolution=9, fdr=0.05)
    hot = [c for c, k in zip(found.cells, found.kind, strict=True) if k == "hot"]
    assert hot, "the planted cluster is found"
    planted = h3.latlng_to_cell(30.71, -88.09, 9)
    assert all(h3.grid_distance(c, planted) <= 2 for c in hot)
    assert found.without_location == 5 and int(found.counts.sum()) == 3295


def test_uniform_noise_gives_no_hotspot_after_the_correction() -> None:
    rng = np.random.default_rng(1)
    found = hotspots(rng.uniform(-88.10, -88.04, 3000), rng.uniform(30.66, 30.72, 3000), 8)
    assert "hot" not in found.kind


def hand_written_benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """The step-up adjustment civiclab computed itself before it used scipy's (kept here as
    the reference scipy's answers are held to)."""
    n = len(p)
    if n == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def test_benjamini_hochberg_against_a_worked_example() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    # sorted: 0.005, 0.01, 0.03, 0.04, 0.5 → ×5/rank: 0.025, 0.025, 0.05, 0.05, 0.5
    assert false_discovery_control(p) == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.5])


@pytest.mark.parametrize(
    "p",
    [
        np.array([]),
        np.array([0.5]),
        np.array([1.0, 1.0, 0.0]),
        np.array([0.02, 0.02, 0.02]),
        np.array([0.9, 0.001, 0.04, 0.04, 0.3, 1.0]),
        np.random.default_rng(0).uniform(size=1000),
        np.random.default_rng(1).uniform(size=50) ** 4,
    ],
    ids=["empty", "one", "ties-at-the-ends", "all-equal", "mixed", "uniform-1000", "skewed-50"],
)
def test_scipy_adjusts_p_values_as_the_hand_written_version_did(p: np.ndarray) -> None:
    assert false_discovery_control(p) == pytest.approx(
        hand_written_benjamini_hochberg(p), rel=1e-12, abs=0
    )


def test_hotspot_q_values_are_the_benjamini_hochberg_ones() -> None:
    """GIVEN a real-sized hotspot analysis WHEN it corrects its p-values THEN the q-values and
    so the hot and cold cells are those the hand-written adjustment gave."""
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(-88.10, -88.04, 2000), rng.normal(-88.07, 0.003, 400)])
    lat = np.concatenate([rng.uniform(30.66, 30.72, 2000), rng.normal(30.69, 0.003, 400)])
    found = hotspots(lon, lat, 8)
    q = hand_written_benjamini_hochberg(found.p)
    assert found.q == pytest.approx(q, rel=1e-12, abs=0)
    assert found.kind == ["" if qv > found.fdr else ("hot" if zv > 0 else "cold")
                          for zv, qv in zip(found.z, q, strict=True)]  # fmt: skip
    assert "hot" in found.kind


def test_the_hotspot_table_leaves_rows_far_outside_the_city_out_unless_kept() -> None:
    """GIVEN rows clustered in a city, a few without a location and a few far away WHEN the
    pure hotspot table is computed THEN the far rows are counted and left out of the study
    area (kept when asked), the missing ones counted, and a bad option refused in words."""
    from civiclab.geo.spatial.coordinates import with_extent
    from civiclab.geo.spatial.hotspot_cells import hotspot_table

    rng = np.random.default_rng(42)
    lon = np.concatenate([rng.uniform(-88.10, -88.04, 2000), [np.nan] * 3, [-80.0] * 4])
    lat = np.concatenate([rng.uniform(30.66, 30.72, 2000), [np.nan] * 3, [25.0] * 4])
    located = with_extent(lon, lat, "lat/lon columns")

    table = hotspot_table(located, resolution=8)
    assert (table["rows"], table["without_location"], table["far_outside"]) == (2000, 3, 4)
    assert table["far_outside_kept"] is False and table["far_radius_m"] is not None
    kept = hotspot_table(located, resolution=8, keep_far_outside=True)
    assert kept["rows"] == 2004 and kept["far_outside_kept"] is True
    with pytest.raises(ValueError, match="resolution"):
        hotspot_table(located, resolution=16)
    with pytest.raises(ValueError, match="false discovery rate"):
        hotspot_table(located, fdr=1.0)
