"""Timing of the pure matching function: 1,000,000 donations × 3 programmes (not collected by pytest).

    PYTHONPATH=. .venv/bin/python tests/unit/funds/bench_matching.py

The worst case on purpose: every donation qualifies for all three programmes (3,000,000 results),
two programmes keep donor totals over ~240,000 distinct donors. Reports wall and CPU time, best
and worst of five runs, for donations already in order (as the database returns them) and shuffled.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from volunteer.funds.matching import DonationFact, ProgrammeRule, compute_matches

N = 1_000_000
T0 = datetime(2024, 1, 1, tzinfo=UTC)
END = T0 + timedelta(days=366)


def donations(rng: random.Random) -> list[DonationFact]:
    areas = {p: frozenset({1, 10 + p % 7, 100 + p}) for p in range(500)}
    seconds = sorted(rng.randrange(365 * 86400) for _ in range(N))
    result = []
    for i, second in enumerate(seconds):
        project = rng.randrange(500)
        donor = None if rng.random() < 0.2 else f"u{rng.randrange(300_000)}"
        result.append(
            DonationFact(
                i + 1,
                f"R{i:09d}",
                T0 + timedelta(seconds=second),
                rng.randrange(100, 100_000),
                project,
                areas[project],
                donor,
            )
        )
    return result


PROGRAMMES = [
    ProgrammeRule(
        id=1, code="PROVINCE", ratio=Decimal("0.1"), starts_at=T0, ends_at=END,
        min_donation_fen=100, per_project_cap_fen=50_000_000, pool_fen=10_000_000_000, priority=1,
    ),
    ProgrammeRule(
        id=2, code="CITY", ratio=Decimal("0.2"), starts_at=T0, ends_at=END,
        per_donation_cap_fen=5_000, per_donor_project_cap_fen=20_000, pool_fen=5_000_000_000,
        area_ids=frozenset({1}), priority=2,
    ),
    ProgrammeRule(
        id=3, code="ENTERPRISE", ratio=Decimal("0.333"), starts_at=T0, ends_at=END,
        per_donation_cap_fen=10_000, per_donor_project_cap_fen=30_000,
        per_project_cap_fen=20_000_000, pool_fen=3_000_000_000, priority=3,
    ),
]  # fmt: skip


def main() -> None:
    rng = random.Random(7)
    ordered = donations(rng)
    shuffled = ordered[:]
    rng.shuffle(shuffled)
    for name, data in (("in order", ordered), ("shuffled", shuffled)):
        walls, cpus = [], []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            matches = compute_matches(data, PROGRAMMES)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            count = len(matches)
            del matches  # freeing three million tuples is not part of matching
        print(
            f"{name}: {N:,} donations × {len(PROGRAMMES)} programmes → {count:,} matches; "
            f"wall {min(walls):.2f}–{max(walls):.2f} s, cpu {min(cpus):.2f}–{max(cpus):.2f} s"
        )


if __name__ == "__main__":
    main()
