"""The catalogue as Markdown: docs/reference/checks.md is generated from the registry."""

from __future__ import annotations

from agentctl.policy.model import Check

HEADER = """# Policy checks

<!-- Generated from the check registry (agentctl.policy.docs.catalogue_markdown); a test keeps it in sync. -->

`agentctl validate` runs every check below on each agent's spec and on the
objects rendered from it, and on plain manifests given with `-f`. IDs are
stable. `agentctl checks` lists them; `agentctl checks explain ID` prints one.

Severities: **critical** and **high** fail the gate at the default
`--fail-on high`; **medium** and **low** are reported. platform.yaml can
change a check's severity (`policy.severity`), grant exceptions
(`policy.exceptions`) and add organisation checks (`policy.checks`); Python
distributions add checks through the `agentctl.checks` entry point (see
[Organisation checks](#organisation-checks)). "Workloads" are Pods,
Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers,
Jobs, CronJobs and Argo Workflows, WorkflowTemplates, ClusterWorkflowTemplates
and CronWorkflows (each container-running template is a pod).

| ID | severity | check | looks at |
|---|---|---|---|
"""

FOOTER = """
## Organisation checks

### Declarative rules in platform.yaml

```yaml
policy:
  checks:
    - id: ORG-001                       # your own prefix; ids of the catalogue are refused
      kinds: [Deployment, StatefulSet]  # kind or apiVersion/kind, "*" for all
      path: spec.template.spec.containers[*].imagePullPolicy   # [*]: every list item
      exists: true                      # true: must be set; false: must not be set
      severity: high
      message: containers must set imagePullPolicy
      remediation: set imagePullPolicy to IfNotPresent
    - id: ORG-002
      kinds: [Deployment]
      path: spec.template.spec.containers[*].image
      match: 'ghcr\\.io/acme/[a-z-]+@sha256:[0-9a-f]{64}'   # every value must fully match
    - id: ORG-003
      kinds: ["*"]
      path: metadata.labels.environment
      notMatch: '^(dev|test)$'          # no value may match (search)
```

`match` and `notMatch` apply to the values present; add `exists: true` to
require the field as well. Findings are placed on the field's line.

### Python checks (entry point `agentctl.checks`)

A distribution installed next to agentctl declares an entry point whose
object is a `Check`, a list of them, or a function returning them:

```toml
# pyproject.toml of acme-agent-checks
[project.entry-points."agentctl.checks"]
acme = "acme_agent_checks:CHECKS"
```

```python
from agentctl.policy import Check, Hit, Severity


def no_debug_label(unit):
    # unit.objects: the objects under check (.data, .kind, .name, .labels);
    # unit.agent: the loaded agent.yaml (None for -f manifests); unit.platform: platform.yaml
    for obj in unit.objects:
        if obj.labels.get("debug") == "true":
            yield Hit("debug label on a production object", obj, ("metadata", "labels", "debug"))


CHECKS = [
    Check(
        id="ACME-101",
        title="No debug labels",
        severity=Severity.high,
        description="Objects never carry debug: true.",
        rationale="Debug builds log prompts.",
        remediation="Remove the label.",
        example="labels: {}",
        fn=no_debug_label,
        kinds=("*",),
    )
]
```

A `Hit` names the object and the field path (a tuple); agentctl turns it into
a finding on the right line of the manifest or of agent.yaml, and applies
severity overrides, exceptions and suppressions as for built-in checks. When
the fix depends on what was found, give the check `fixes=(("case", "how to
fix that case"), ...)` and the hit `fix="case"`: the finding then carries that
case's fix instead of `remediation`. A plug-in that fails to load or raises is
a configuration error (exit 2).
"""


def _anchor(check: Check) -> str:
    return check.id.lower()


def looks_at(check: Check) -> str:
    """What a check reads, in words."""
    from agentctl.policy.workloads import WORKLOAD_KINDS

    if check.id.startswith("POL-"):
        return "platform.yaml and agent.yaml"
    if not check.kinds:
        return "agent.yaml"
    if "*" in check.kinds:
        return "every object"
    kinds = list(check.kinds)
    if set(WORKLOAD_KINDS) <= set(kinds):
        rest = [k for k in kinds if k not in WORKLOAD_KINDS]
        return ", ".join(["workloads", *rest])
    return ", ".join(kinds)


def catalogue_markdown(checks: list[Check]) -> str:
    rows = []
    for c in checks:
        rows.append(f"| [{c.id}](#{_anchor(c)}) | {c.severity.name} | {c.title} | {looks_at(c)} |")
    sections = []
    for c in checks:
        body = [
            f"### {c.id}",
            "",
            f"**{c.title}** · severity **{c.severity.name}** · looks at {looks_at(c)}",
            "",
            c.description,
            "",
            f"*Why:* {c.rationale}",
            "",
            f"*Fix:* {c.remediation}",
        ]
        if c.fixes:
            body += ["", "The fix a finding names, by what it found:", ""]
            body += [f"- `{case}`: {text}" for case, text in c.fixes]
        if c.example:
            body += ["", "```yaml", c.example, "```"]
        sections.append("\n".join(body))
    return (
        HEADER + "\n".join(rows) + "\n\n## The checks\n\n" + "\n\n".join(sections) + "\n" + FOOTER
    )
