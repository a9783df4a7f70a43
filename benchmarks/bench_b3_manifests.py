"""B3 (validate -f): the policy gate on plain manifests, documents/s in one process.

Builds the examples once, copies their manifests (kustomization.yaml aside)
into one directory until there are N documents, then times
`agentctl validate -f DIR` in process (imports and schema compilation warmed
by a first run), split into reading/parsing the YAML and the rest of the gate.
Target: >= 10,000 documents/s.

Each copy is the examples deployed once more, into namespaces of its own (as
one application is installed per tenant): the references between its objects
still hold, so, like the examples, it has no findings (the last copy, cut
short, a few). ``--renamed`` instead renames every object of a copy but not
the references to it (how earlier rounds built the corpus): a finding in one
document of nine, the gate locating each of them.

    python benchmarks/bench_b3_manifests.py [--docs 3000] [--rounds 3] [--renamed]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 10_000
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def _renamed(obj: dict[str, Any], copy: int) -> dict[str, Any]:
    """``obj`` under a fresh name; what refers to it still names the original."""
    return {**obj, "metadata": {**obj["metadata"], "name": f"{obj['metadata']['name']}-{copy}"}}


def _namespaced(obj: dict[str, Any], copy: int) -> dict[str, Any]:
    """``obj`` in copy ``copy``'s namespaces: each namespace N becomes N-copy, in the
    object's metadata, a Namespace's name and a binding's subjects."""
    meta = dict(obj["metadata"])
    if obj["kind"] == "Namespace":
        meta["name"] = f"{meta['name']}-{copy}"
    elif meta.get("namespace"):
        meta["namespace"] = f"{meta['namespace']}-{copy}"
    obj = {**obj, "metadata": meta}
    if isinstance(obj.get("subjects"), list):
        obj["subjects"] = [
            {**s, "namespace": f"{s['namespace']}-{copy}"} if s.get("namespace") else s
            for s in obj["subjects"]
        ]
    return obj


def corpus(root: Path, docs: int, *, renamed: bool = False) -> int:
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
            batch.append(_renamed(obj, copy) if renamed else _namespaced(obj, copy))
        (out / f"m{copy:04d}.yaml").write_text(yaml.safe_dump_all(batch, sort_keys=False))
        written += len(batch)
        copy += 1
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--renamed",
        action="store_true",
        help="copies renamed, references not: a finding in one document of nine",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_COLOR", "1")
    from agentctl.policy import gate
    from agentctl.policy.sources import load_manifests

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                docs = corpus(root, args.docs, renamed=args.renamed)
            finally:
                sys.stdout = stdout
        target = root / "manifests"
        platform = EXAMPLES / "platform.yaml"
        report = gate.run(
            paths=[], manifests=[str(target)], platform_file=platform
        )  # warm imports and schemas
        parse, parse_cpu, total, cpu = [], [], [], []
        for _ in range(args.rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            load_manifests([str(target)])
            parse.append(time.perf_counter() - t0)
            parse_cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            gate.run(paths=[], manifests=[str(target)], platform_file=platform)
            total.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    p, t, c = statistics.median(parse), statistics.median(total), statistics.median(cpu)
    pc = statistics.median(parse_cpu)
    rate = docs / t
    copies = "renamed" if args.renamed else "namespaced"
    print(
        f"B3 validate -f: {docs} documents ({copies} copies, {len(report.findings)} findings), "
        f"{args.rounds} rounds, {os.cpu_count()} CPUs"
    )
    print(f"  whole gate      {t:7.2f}s  {rate:8.0f} documents/s")
    print(f"  whole gate, CPU {c:7.2f}s  {docs / c:8.0f} documents per CPU-second")
    print(f"  read + parse    {p:7.2f}s  CPU {pc:.2f}s ({pc / c:.0%} of the gate's CPU)")
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(f"{verdict} the target of >= {TARGET} documents/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
