"""Run every benchmarks/bench_*.py in turn (each standalone, printing its own figures).

    python benchmarks/run_all.py [NAME_SUBSTRING ...]

Extra arguments select benchmarks whose file name contains one of them.
Exit status: the number of benchmarks that failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.name for a in argv)]
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(
            f"== {script.name}: {'ok' if rc == 0 else f'FAILED ({rc})'} in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        failed += rc != 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
