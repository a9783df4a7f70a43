"""Names and template variables: nothing may inject paths, shell or template syntax."""

from __future__ import annotations

import pytest

from agentctl.errors import UsageError
from agentctl.scaffold import variables


@pytest.mark.parametrize("name", ["a", "my-agent", "agent-2", "x" * 40])
def test_good_names(name):
    assert variables.check_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "empty"),
        ("../evil", "not a path"),
        ("a/b", "not a path"),
        ("a\\b", "not a path"),
        ("..", "not a path"),
        ("~root", "not a path"),
        ("x" * 41, "longer than 40"),
        ("My-Agent", "DNS-1123"),
        ("-agent", "DNS-1123"),
        ("agent-", "DNS-1123"),
        ("my_agent", "DNS-1123"),
        ("my.agent", "DNS-1123"),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(UsageError, match=message):
        variables.check_name(name)


def test_parse_sets():
    assert variables.parse_sets(["team=search", "description=a=b", "team=infra"]) == {
        "team": "infra",
        "description": "a=b",
    }
    for bad in ["team", "=x", "bad-key=1", "1x=2"]:
        with pytest.raises(UsageError):
            variables.parse_sets([bad])


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("description", "{{ cycler.__init__.__globals__ }}", "template syntax"),
        ("description", "{% include '/etc/passwd' %}", "template syntax"),
        ("description", "$(rm -rf /)", "not allowed"),
        ("description", "`id`", "not allowed"),
        ("description", "a; rm -rf /", "not allowed"),
        ("description", "a && b", "not allowed"),
        ("description", "it's", "not allowed"),
        ("description", 'say "hi"', "not allowed"),
        ("description", "line\nbreak", "control characters"),
        ("description", "../../etc", "'..'"),
        ("description", "-rf", "start with '-'"),
        ("team", "Search_Team", "does not match"),
        ("image_registry", "ghcr.io/Acme", "does not match"),
        ("model_endpoint", "ftp://x", "does not match"),
        ("cost_center", "cc 1", "does not match"),
        ("free_var", "a" * 201, "longer than"),
    ],
)
def test_unsafe_values(key, value, message):
    with pytest.raises(UsageError, match=message):
        variables.check_value(key, value, variables.KNOWN_PATTERNS, set())


def test_variables_used_in_file_names_cannot_be_paths():
    with pytest.raises(UsageError, match="file names"):
        variables.check_value("project_dir", "sub/dir", {}, {"project_dir"})
    variables.check_value("project_dir", "sub-dir", {}, {"project_dir"})


def test_good_values():
    for key, value in [
        ("description", "A research assistant (v2): fast, cheap!"),
        ("schedule", "0 6 * * 1-5"),
        ("model_endpoint", "https://api.openai.com/v1"),
        ("image_registry", "europe-docker.pkg.dev/acme/agents"),
        ("model_name", "claude-sonnet-4-20250514"),
        ("tool_service", ""),
    ]:
        variables.check_value(key, value, variables.KNOWN_PATTERNS, set())


def test_templates_declare_their_own_patterns():
    patterns = variables.patterns_for({"variables": {"region": "^(eu|us)$"}})
    variables.check_value("region", "eu", patterns, set())
    with pytest.raises(UsageError, match="does not match"):
        variables.check_value("region", "ap", patterns, set())
    with pytest.raises(UsageError, match="not a valid regex"):
        variables.patterns_for({"variables": {"region": "("}})
