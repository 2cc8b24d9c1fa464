"""A writer process for the crash and concurrency tests: stores large runs in a loop.

python writer.py DB ROWS LOOPS
"""

from __future__ import annotations

import sys

from mujun import load_profile, score
from mujun.store import Store, fingerprint, save_run
from mujun.testing import make_facts


def main() -> None:
    db, rows, loops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    profile = load_profile("zhejiang_baseline")
    facts = make_facts(rows, seed=11)
    result = score(facts, profile=profile, year=2024)
    print("ready", flush=True)
    for _ in range(loops):
        with Store.open(db) as store:
            save_run(
                store,
                result,
                profile=profile,
                evaluation_year=2024,
                input_fingerprint=fingerprint(facts),
            )
        print("saved", flush=True)


if __name__ == "__main__":
    main()
