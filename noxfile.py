"""Developer sessions: tests, lint, typecheck, docs, bench.

nox -s lint typecheck tests      # the default sessions
nox -s docs                      # reference pages current + mkdocs --strict
nox -s bench -- b1               # benchmarks whose file name contains "b1"
nox -s cluster                   # build (or reuse) a local control plane, run tests/cluster
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

CODE = ["src", "tests", "benchmarks", "docs/gen_reference.py", "noxfile.py"]


def _install(session: nox.Session) -> None:
    if session.venv_backend == "none":  # `nox --no-venv`: use the current environment as is
        return
    session.install("-e", ".[dev]")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (the command CI and the README run)."""
    _install(session)
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter layer contracts."""
    _install(session)
    session.run("ruff", "check", *CODE)
    session.run("ruff", "format", "--check", *CODE)
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over the package."""
    _install(session)
    session.run("mypy", "src/agentctl")


@nox.session
def docs(session: nox.Session) -> None:
    """Fail on stale generated reference pages, then build the site strictly."""
    _install(session)
    session.run("python", "docs/gen_reference.py", "--check")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(session.create_tmp() + "/site"))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark in benchmarks/ and print figures (never asserted)."""
    _install(session)
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session
def cluster(session: nox.Session) -> None:
    """Build (or reuse) the local Kubernetes control plane, then run the cluster tests on it.

    A cold build compiles kube-apiserver and friends from the Go module proxy (tens of minutes
    on 2 cores); later runs reuse the binaries cached under ~/.cache/agentctl/cluster.
    """
    _install(session)
    out = session.run("bash", "hack/cluster/build.sh", external=True, silent=True)
    bin_dir = str(out or "").strip().splitlines()[-1]
    session.run(
        "pytest",
        "-m",
        "cluster",
        "tests/cluster",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"AGENTCTL_CLUSTER_BIN": bin_dir, "AGENTCTL_RECORD_CONTRACTS": "1"},
    )
