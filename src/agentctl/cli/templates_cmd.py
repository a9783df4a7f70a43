"""agentctl templates: list the built-in golden-path templates."""

from __future__ import annotations

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


@app.command()
def templates(output: options.OutputOpt = OutputFormat.text) -> None:
    """List the built-in templates `agentctl init --template` accepts."""
    from agentctl.scaffold import catalog

    common.set_kind("TemplateList")
    found = catalog.list_builtin()
    if output is not OutputFormat.text:
        common.emit("TemplateList", {"templates": [t.to_dict() for t in found]}, output)
        return
    footer = (
        "\nUse one: agentctl init NAME --template TEMPLATE (or a directory or git URL of your own)."
    )
    stream = common.plain_stream()
    if stream is not None:
        rows = [[item.name, item.type, item.description] for item in found]
        text = common.plain_table(["TEMPLATE", "TYPE", "DESCRIPTION"], rows)
        if text is not None:
            stream.write(text + footer + "\n")
            return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("TEMPLATE", style="bold")
    table.add_column("TYPE")
    table.add_column("DESCRIPTION", overflow="fold")
    for item in found:
        table.add_row(Text(item.name), Text(item.type), Text(item.description))
    out = common.console()
    out.print(table)
    out.print(footer)
