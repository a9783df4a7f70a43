"""Credential options for a remote trace ``--source`` (Jaeger, Tempo), shared by commands.

Each option also reads an environment variable, which is the better place for
a secret: command lines are visible to other users of the machine. Values are
sent as request headers only and never printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentctl.telemetry.remote import SourceAuth


def source_auth(
    token: str | None, user: str | None, password: str | None, org: str | None
) -> SourceAuth | None:
    """The credentials given (flags, else their environment variables), or None.

    The variables are taken from the settings too, not only by the options'
    ``envvar``: typer releases differ in whether ``envvar`` is honoured with
    newer click.
    """
    from agentctl.cli.common import settings

    s = settings()
    token = token or s.source_token
    user = user or s.source_user
    password = password or s.source_password
    org = org or s.source_org
    if not (token or user or password or org):
        return None
    from agentctl.telemetry.remote import SourceAuth

    return SourceAuth(token=token, user=user, password=password, org_id=org)
