"""The options and arguments several commands take, declared once.

An option that more than one command has is spelled, typed and explained here,
so `--store` or `-n/--namespace` reads the same in every command's help and a
change to it reaches them all. A command's own options (those no other command
has) stay in its signature, beside the code that reads them, and so do the
flags commands spell alike but mean differently (`--since` of `logs` is a
duration, of `trace` a filter, of `cost` a window): tests/cli/test_options.py
names each of those and why, and fails on any other repeated declaration.
A command's own options are written one a line (the signature's header says
``# fmt: skip``), so different options of different commands do not read as
the same block of formatter layout.

It imports typer and the settings only: every command module imports it, so
what it costs is paid by every command's start-up.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

import typer

from agentctl.cli.output import remember_output
from agentctl.settings import OutputFormat

if TYPE_CHECKING:
    from agentctl.telemetry.remote import SourceAuth

R = TypeVar("R")


class Group:
    """Options that go together, taken by a command as one parameter.

    A command declares ``target: cluster.Target = cluster.TARGET`` or
    ``credentials: options.SourceCredentials = options.NO_CREDENTIALS`` and is
    wrapped by :func:`expand`, which puts the group's options in that
    parameter's place (same order, same help) and hands the command one object
    built from their values. A subclass names its ``FIELDS`` (its attributes),
    the option each is (``OPTIONS``) and the defaults that are not None.
    Plain classes: generating a dataclass costs more than ``status --help``.
    """

    FIELDS: ClassVar[tuple[str, ...]] = ()
    OPTIONS: ClassVar[dict[str, Any]] = {}
    DEFAULTS: ClassVar[dict[str, Any]] = {}  # a field not named here defaults to None
    __slots__ = ()

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        for field in self.FIELDS:
            setattr(self, field, values.get(field, self.DEFAULTS.get(field)))


def expand(func: Callable[..., R]) -> Callable[..., R]:
    """``func`` with each :class:`Group` parameter replaced by the group's options."""
    sig = inspect.signature(func, eval_str=True)
    groups = {n: p.default for n, p in sig.parameters.items() if isinstance(p.default, Group)}
    params: list[inspect.Parameter] = []
    for p in sig.parameters.values():
        group = groups.get(p.name)
        if group is None:
            params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        for field in group.FIELDS:
            params.append(
                inspect.Parameter(
                    field,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=getattr(group, field),
                    annotation=group.OPTIONS[field],
                )
            )
    new_sig = sig.replace(parameters=params)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> R:
        for name, group in groups.items():
            kwargs[name] = type(group)(**{field: kwargs.pop(field) for field in group.FIELDS})
        return func(**kwargs)

    del wrapper.__wrapped__  # typer reads the signature below, not func's
    wrapper.__signature__ = new_sig  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in new_sig.parameters.values()}
    return wrapper


# Output: -o/--output.

OutputOpt = Annotated[
    OutputFormat,
    typer.Option(
        "-o",
        "--output",
        help="Output format: text for people, json/yaml (a versioned envelope) for machines.",
        case_sensitive=False,
        callback=remember_output,
    ),
]


def machine_format(choice: StrEnum) -> OutputFormat:
    """What an -o with choices of its own (csv, wide) means for envelopes and errors:
    json and yaml are themselves, every other choice is text."""
    return OutputFormat._value2member_map_.get(choice.value, OutputFormat.text)  # type: ignore[return-value]


def remember_choice(choice: Any) -> Any:
    """The callback of an -o with choices of its own: remember its machine format."""
    remember_output(machine_format(choice))
    return choice


def output_choice(help: str) -> Any:
    """``-o/--output`` over a command's own choices (``cost``'s csv, ``trace``'s wide)."""
    return typer.Option("-o", "--output", help=help, case_sensitive=False, callback=remember_choice)


# Paths a command writes to.


def output_path(flag: str) -> Callable[[Any], Path]:
    """The parser of ``flag``, an option naming a file or directory to write (``build --out``,
    ``validate --output-file``, ``eval run --junit``, ``init --output-dir``): the path, but
    an empty value (often an unset shell variable, ``--out "$DIR"``) is refused in one line
    naming the flag. Read as a path it would be ``.``, the current directory, and either
    write there or fail later with a message about a directory nobody named."""

    def parse(value: Any) -> Path:
        if isinstance(value, str) and not value:
            from agentctl.errors import UsageError

            raise UsageError(f"{flag}: the path is empty (give a file or directory name)")
        return Path(value)

    return parse


# Where the agents are: the project, the platform file, the environment overlay.

PathArg = Annotated[
    Path | None,
    typer.Argument(help="Agent project directory or agent.yaml (default: the current directory)."),
]
AgentPathsArg = Annotated[  # for commands that read the agents in scope (cost, eval)
    list[Path] | None,
    typer.Argument(
        help="Agent projects or agent.yaml files in scope: budgets, gates, declared tools, "
        "requests (default: the project the working directory is in, if any).",
        show_default=False,
    ),
]
PlatformOpt = Annotated[
    Path | None,
    typer.Option(
        "--platform",
        metavar="FILE",
        help="platform.yaml (default: AGENTCTL_PLATFORM, or platform.yaml found upwards).",
    ),
]
EnvOpt = Annotated[
    str | None, typer.Option("--env", help="Apply the spec's environment overlay NAME.")
]
EnvEachOpt = Annotated[  # for commands that take several agents
    str | None, typer.Option("--env", help="Apply each spec's environment overlay NAME.")
]
CrdDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--crd-dir",
        help="Directory of CRD YAML files to validate custom resources against "
        "(repeatable; env: AGENTCTL_CRD_DIR).",
    ),
]
KubeVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--kube-version",
        help="Target Kubernetes version, e.g. 1.31: the schemas SCH-001 checks against "
        "(default: the newest bundled).",
    ),
]
NoGateOpt = Annotated[
    bool,
    typer.Option(
        "--no-gate",
        help="Skip the policy gate's verdict (only where platform.yaml policy.allowNoGate is true; findings are still printed, literal credentials still refused).",
    ),
]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Run the template's hooks without asking (templates outside platform.yaml trustedTemplates).",
    ),
]

# Running an agent's code on this machine (dev, eval run).

EnvFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--env-file",
        metavar="FILE",
        help="Local settings and secrets (default: <project>/.env). Only read.",
    ),
]

# The cluster: connection, namespace, what to apply.

KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        metavar="FILE",
        help="Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account).",
        show_default=False,
    ),
]
ContextOpt = Annotated[
    str | None, typer.Option("--context", help="Kubeconfig context (default: the current one).")
]
RequestTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--request-timeout",
        help="Give up on a request to the API server after this long, its retries of "
        "429/5xx answers and dropped connections included (at most 8 attempts).",
    ),
]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "-n",
        "--namespace",
        help="Namespace (default: the agent project's, the context's, or every namespace).",
    ),
]
FromOpt = Annotated[
    Path | None,
    typer.Option(
        "--from",
        help="Apply a previous `agentctl build --out DIR` (DIR or DIR/<agent>) instead of rendering.",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force-conflicts",
        help="Take over fields another field manager owns (server-side apply force).",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-p", "--param", help="A parameter key=value of a job or workflow agent's run (repeatable)."
    ),
]

# Traces: the local store, a remote backend and its credentials, the time window.

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="FILE",
        help="Trace store file (default: $AGENTCTL_TRACE_STORE or the user data dir).",
    ),
]
SinceOpt = Annotated[
    str, typer.Option("--since", help="Window start: 7d, 36h ago, or an ISO date/time.")
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", help="Window end (default: now); same forms as --since."),
]
AgentFilterOpt = Annotated[str | None, typer.Option("--agent", help="Only this agent.")]
# The most traces or runs a --limit/--top lists (the store counts in 64-bit integers;
# a larger number is an error, not a silent cap).
MAX_LISTED = 1_000_000


def _credential(flag: str, envvar: str, help: str) -> Any:
    """A credential for a remote trace ``--source`` (Jaeger, Tempo): its environment
    variable is the better place for a secret (command lines are visible to other
    users of the machine); sent as a request header only, never printed."""
    return typer.Option(flag, envvar=envvar, show_envvar=True, help=help)


SourceTokenOpt = Annotated[
    str | None,
    _credential(
        "--source-token",
        "AGENTCTL_SOURCE_TOKEN",
        "Bearer token for --source (prefer the environment variable).",
    ),
]
SourceUserOpt = Annotated[
    str | None,
    _credential("--source-user", "AGENTCTL_SOURCE_USER", "Basic-auth user for --source."),
]
SourcePasswordOpt = Annotated[
    str | None,
    _credential(
        "--source-password",
        "AGENTCTL_SOURCE_PASSWORD",
        "Basic-auth password for --source (prefer the environment variable).",
    ),
]
SourceOrgOpt = Annotated[
    str | None,
    _credential(
        "--source-org",
        "AGENTCTL_SOURCE_ORG_ID",
        "Tenant for a multi-tenant Tempo (sent as X-Scope-OrgID).",
    ),
]


class SourceCredentials(Group):
    """``--source-token``, ``--source-user``, ``--source-password`` and ``--source-org``."""

    FIELDS = ("source_token", "source_user", "source_password", "source_org")
    OPTIONS: ClassVar[dict[str, Any]] = {
        "source_token": SourceTokenOpt,
        "source_user": SourceUserOpt,
        "source_password": SourcePasswordOpt,
        "source_org": SourceOrgOpt,
    }
    __slots__ = FIELDS
    source_token: str | None
    source_user: str | None
    source_password: str | None
    source_org: str | None

    def auth(self) -> SourceAuth | None:
        """The credentials given (flags, else their environment variables), or None.

        The variables are taken from the settings too, not only by the options'
        ``envvar``: typer releases differ in whether ``envvar`` is honoured with
        newer click.
        """
        from agentctl.cli.common import settings

        s = settings()
        token = self.source_token or s.source_token
        user = self.source_user or s.source_user
        password = self.source_password or s.source_password
        org = self.source_org or s.source_org
        if not (token or user or password or org):
            return None
        from agentctl.telemetry.remote import SourceAuth

        return SourceAuth(token=token, user=user, password=password, org_id=org)


NO_CREDENTIALS = SourceCredentials()

# The LLM judge of `eval` and `eval run`: any OpenAI-compatible chat-completions endpoint.

JUDGE_URL_DEFAULT = "https://api.openai.com/v1"
JUDGE_KEY_ENV_DEFAULT = "AGENTCTL_JUDGE_API_KEY"

JudgeUrlOpt = Annotated[
    str,
    typer.Option(
        "--judge-url",
        metavar="URL",
        envvar="AGENTCTL_JUDGE_BASE_URL",
        help="Base URL of the judge's OpenAI-compatible API.",
    ),
]
JudgeKeyEnvOpt = Annotated[
    str,
    typer.Option(
        "--judge-key-env",
        metavar="NAME",
        help="Environment variable holding the judge's API key (never printed).",
    ),
]


class Judge(Group):
    """``--judge MODEL``, ``--judge-url`` and ``--judge-key-env``; what the judge does (and so
    the help of ``--judge``) differs between `eval` and `eval run`: the subclasses."""

    FIELDS = ("judge_model", "judge_url", "judge_key_env")
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "judge_url": JUDGE_URL_DEFAULT,
        "judge_key_env": JUDGE_KEY_ENV_DEFAULT,
    }
    __slots__ = FIELDS
    judge_model: str | None
    judge_url: str
    judge_key_env: str

    @staticmethod
    def _options(model_help: str) -> dict[str, Any]:
        return {
            "judge_model": Annotated[
                str | None, typer.Option("--judge", metavar="MODEL", help=model_help)
            ],
            "judge_url": JudgeUrlOpt,
            "judge_key_env": JudgeKeyEnvOpt,
        }

    def endpoint(self) -> tuple[str, str | None]:
        """The judge's base URL (``$AGENTCTL_JUDGE_BASE_URL`` from the settings when --judge-url
        was not given: envvar= is not honoured by every typer release) and its key, read from
        the variable --judge-key-env names."""
        from agentctl.cli.common import settings
        from agentctl.settings import secret_from

        url = self.judge_url
        if url == JUDGE_URL_DEFAULT:
            url = settings().judge_base_url or url
        return url, secret_from(self.judge_key_env)


class FaithfulnessJudge(Judge):
    """`eval`'s judge: the faithfulness of stored runs."""

    __slots__ = ()
    OPTIONS = Judge._options(
        "Also have MODEL judge the faithfulness of stored runs that captured their "
        "content (an OpenAI-compatible chat-completions endpoint, --judge-url); its verdicts "
        "are stored on the runs and its cost is reported."
    )


class RubricJudge(Judge):
    """`eval run`'s judge: answers against the cases' rubrics."""

    __slots__ = ()
    OPTIONS = Judge._options(
        "The model that scores answers against the cases' rubrics (expect.answer.judge), "
        "at an OpenAI-compatible endpoint (--judge-url); its cost is reported. Required "
        "when a case has a rubric."
    )
