"""Run every benchmark in bench/ one after another and print their numbers (`make bench`).

Each script seeds its own database (see bench/README.md); this takes several minutes.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["http_bench.py", "ledger_import.py", "stats_and_list.py", "reports_bench.py", "text_bench.py"]


def main() -> int:
    failed = []
    for name in SCRIPTS:
        print(f"\n=== bench/{name} ===", flush=True)
        if subprocess.call([sys.executable, str(HERE / name)]) != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
