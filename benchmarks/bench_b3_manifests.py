"""B3 (validate -f): the policy gate on plain manifests, documents/s in one process.

Builds the examples once, copies their manifests (kustomization.yaml aside)
into one directory under fresh names until there are N documents, then times
`agentctl validate -f DIR` in process (imports and schema compilation warmed
by a first run), split into reading/parsing the YAML and the rest of the gate.
Target: >= 10,000 documents/s.

    python benchmarks/bench_b3_manifests.py [--docs 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 10_000
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def corpus(root: Path, docs: int) -> int:
    import yaml

    from agentctl.cli.app import run

    dist = root / "dist"
    for name in ("currency-converter", "daily-report", "deep-research", "research-assistant"):
        rc = run(
            [
                "build",
                str(EXAMPLES / name),
                "--platform",
                str(EXAMPLES / "platform.yaml"),
                "--out",
                str(dist),
                "-o",
                "json",
            ]
        )
        assert rc == 0, rc
    objects = [
        doc
        for f in sorted(dist.glob("*/0*.yaml"))
        for doc in yaml.safe_load_all(f.read_text())
        if doc
    ]
    out = root / "manifests"
    out.mkdir()
    written, copy = 0, 0
    while written < docs:
        batch = []
        for obj in objects:
            if written + len(batch) >= docs:
                break
            obj = {
                **obj,
                "metadata": {**obj["metadata"], "name": f"{obj['metadata']['name']}-{copy}"},
            }
            batch.append(obj)
        (out / f"m{copy:04d}.yaml").write_text(yaml.safe_dump_all(batch, sort_keys=False))
        written += len(batch)
        copy += 1
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_COLOR", "1")
    from agentctl.policy import gate
    from agentctl.policy.sources import load_manifests

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                docs = corpus(root, args.docs)
            finally:
                sys.stdout = stdout
        target = root / "manifests"
        platform = EXAMPLES / "platform.yaml"
        gate.run(
            paths=[], manifests=[str(target)], platform_file=platform
        )  # warm imports and schemas
        parse, total, cpu = [], [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            load_manifests([str(target)])
            parse.append(time.perf_counter() - t0)
            t0, c0 = time.perf_counter(), time.process_time()
            gate.run(paths=[], manifests=[str(target)], platform_file=platform)
            total.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    p, t, c = statistics.median(parse), statistics.median(total), statistics.median(cpu)
    rate = docs / t
    print(f"B3 validate -f: {docs} documents, {args.rounds} rounds, {os.cpu_count()} CPUs")
    print(f"  whole gate      {t:7.2f}s  {rate:8.0f} documents/s")
    print(f"  whole gate, CPU {c:7.2f}s  {docs / c:8.0f} documents per CPU-second")
    print(f"  read + parse    {p:7.2f}s  ({p / t:.0%} of the gate)")
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(f"{verdict} the target of >= {TARGET} documents/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
