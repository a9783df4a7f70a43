"""agentctl diff: what deploy would change, from a server-side dry run (exit 1 when anything would)."""

from __future__ import annotations

from typing import Annotated

import typer

from agentctl.cli import cluster, common, options
from agentctl.errors import EXIT_FINDINGS, EXIT_OK
from agentctl.settings import OutputFormat

app = typer.Typer()


@cluster.command(app)
def diff(
    path: options.PathArg = None,
    from_dir: options.FromOpt = None,
    env: options.EnvOpt = None,
    force_conflicts: options.ForceOpt = False,
    prune: Annotated[bool, typer.Option("--prune/--no-prune", help="Show what deploy would prune as removals.")] = True,
    target: cluster.Target = cluster.TARGET,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Compare a server-side dry run of the agent with the live objects (managed fields stripped).

    Exit 0 when nothing would change, 1 when something would (like `kubectl diff`),
    3 on cluster errors.
    """
    from agentctl.deploy.diff import diff as run_diff
    from agentctl.views.deploy_diff import print_diff, summary

    common.set_kind("DiffResult")
    srcs = cluster.sources(path, from_dir, env, target.platform)
    for src in srcs:
        cluster.check_namespace(target.namespace, src)
    results = []
    with target.connect() as client:
        for src in srcs:
            results.append(run_diff(client, src, force_conflicts=force_conflicts, prune=prune))
    changed = any(r.changed for r in results)
    if output is not OutputFormat.text:
        data = (
            results[0].to_dict()
            if len(results) == 1
            else {"agents": [r.to_dict() for r in results], "changed": changed}
        )
        common.emit("DiffResult", data, output)
    else:
        out, err = common.console(), common.console(stderr=True)
        for r in results:
            print_diff(out, r)
            err.print(summary(r))
    raise typer.Exit(EXIT_FINDINGS if changed else EXIT_OK)
