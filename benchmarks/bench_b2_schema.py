"""B2 (schema validation): strict-schema validation of rendered objects, objects/s in one process.

Renders the examples and a generated monorepo of mixed agents, then validates
every object with ``agentctl.render.schemas.SchemaValidator`` (strict
Kubernetes schemas from kubernetes-validate, Argo and External Secrets CRDs
from tests/fixtures/crds). Reports the cold figure (schemas
compiled on first use) and the warm median over several rounds, against
kubernetes-validate as shipped (which re-reads its schema on every call),
measured in the same run on a sample of the Kubernetes objects.

    python benchmarks/bench_b2_schema.py [--agents 100] [--rounds 5] [--peer-sample 150]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRDS = ROOT / "tests" / "fixtures" / "crds"
TARGET = 2000.0


def rendered_objects(n_agents: int) -> list[dict]:
    sys.path.insert(0, str(HERE))
    from bench_b3_build import make_monorepo

    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent, load_platform

    objects: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="agentctl-b2-") as tmp:
        repo = make_monorepo(Path(tmp), n_agents)
        platform = load_platform(repo / "platform.yaml")
        files = sorted((repo / "agents").glob("*/agent.yaml")) + sorted(
            (ROOT / "examples").glob("*/agent.yaml")
        )
        for f in files:
            objects.extend(o.obj for o in render_agent(load_agent(f), platform).objects)
    return objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peer-sample", type=int, default=150)
    args = parser.parse_args()
    os.environ.pop("AGENTCTL_CRD_DIR", None)
    from agentctl.render.schemas import SchemaValidator

    objects = rendered_objects(args.agents)
    crd_dirs = [CRDS] if CRDS.is_dir() else []
    kinds = sorted({(o["apiVersion"], o["kind"]) for o in objects})
    print(f"B2 schema validation: nproc={os.cpu_count()} python={sys.version.split()[0]}")
    print(
        f"  {len(objects)} objects of {len(kinds)} kinds; CRDs: {'fixtures' if crd_dirs else 'built-in schemas'}"
    )

    start = time.perf_counter()
    validator = SchemaValidator(crd_dirs=crd_dirs)
    invalid = sum(1 for o in objects if validator.validate(o))
    cold = time.perf_counter() - start
    print(
        f"  cold (compile on first use, CRD parsing included): {len(objects) / cold:9.0f} objects/s ({cold:.2f} s)"
    )
    if invalid:
        print(f"  WARNING: {invalid} objects have schema issues")

    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for o in objects:
            validator.validate(o)
        rates.append(len(objects) / (time.perf_counter() - start))
    warm = statistics.median(rates)
    print(f"  warm median of {args.rounds} rounds:                    {warm:9.0f} objects/s")

    import kubernetes_validate

    from agentctl.render.schemas import default_kube_version

    sample = [
        o
        for o in objects
        if "." not in o["apiVersion"].split("/")[0] or o["apiVersion"].endswith("k8s.io/v1")
    ]
    sample = [o for o in sample if validator.source(o["apiVersion"], o["kind"]) == "kubernetes"][
        : args.peer_sample
    ]
    start = time.perf_counter()
    for o in sample:
        kubernetes_validate.validate(o, default_kube_version(), strict=True)
    peer = len(sample) / (time.perf_counter() - start)
    print(f"  kubernetes-validate as shipped ({len(sample)} objects):     {peer:9.0f} objects/s")
    print(
        f"  ratio warm/peer: x{warm / peer:.1f}; target {TARGET:.0f}/s: {'met' if warm >= TARGET else 'missed'}"
    )


if __name__ == "__main__":
    main()
