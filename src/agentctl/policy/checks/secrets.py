"""Secrets: no literals, every reference backed by a secret manager, files over env, no shadowing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agentctl.policy.model import Hit, Obj, PathKey, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import (
    WORKLOAD_KINDS,
    ByNamespace,
    as_dict,
    as_list,
    unit_pods,
)

CREDENTIAL_NAMES = re.compile(
    r"^(OPENAI_API_KEY|ANTHROPIC_API_KEY|GEMINI_API_KEY|GOOGLE_API_KEY|AZURE_OPENAI_API_KEY|HF_TOKEN|"
    r".*_API_KEY|.*_SECRET|.*_TOKEN|.*_PASSWORD|.*_SECRET_ACCESS_KEY)$",
    re.IGNORECASE,
)
CREDENTIAL_SHAPES = (
    ("an Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}")),
    ("an OpenAI-style API key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{30,}")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    (
        "a GitHub token",
        re.compile(r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}"),
    ),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    # scheme://user:password@host; a $(VAR) or ${VAR} placeholder is not a password
    (
        "a password in a connection string",
        re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:(?![$<])[^\s/@]+@"),
    ),
)
NOT_A_VALUE = re.compile(r"^(\$\(.*\)|\$\{.*\}|/.*|<.*>|)$")


_ANY_SHAPE = re.compile(
    "|".join(f"(?P<s{i}>{p.pattern})" for i, (_, p) in enumerate(CREDENTIAL_SHAPES))
)


# A literal that every shape above contains: most values hold none of them, and
# searching for these alone is many times faster than the shapes themselves.
SHAPE_NEEDLES = re.compile(r"sk-|AIza|hf_|gh[porsu]_|github_pat_|AKIA|ASIA|PRIVATE KEY|://")


def credential_shape(value: str) -> str | None:
    """What kind of credential ``value`` contains, by its shape (one regex pass)."""
    if SHAPE_NEEDLES.search(value) is None:
        return None
    m = _ANY_SHAPE.search(value)
    if m is None:
        return None
    return CREDENTIAL_SHAPES[int(str(m.lastgroup)[1:])][0]


def _literal(name: str, value: Any, seen: dict[tuple[str, str], str | None]) -> str | None:
    """Why ``name=value`` is a literal credential, or None (``seen``: the answers of
    this run so far; manifests repeat their names and values)."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value)
    key = (name, text)
    if key not in seen:
        seen[key] = _literal_text(name, text)
    return seen[key]


def _literal_text(name: str, text: str) -> str | None:
    shape = credential_shape(text)
    if shape:
        return f"looks like {shape}"
    if name and CREDENTIAL_NAMES.match(name) and not NOT_A_VALUE.match(text.strip()):
        return "is a credential by its name and holds a literal value"
    return None


_ANSWERS = "sec-001-answers"
_MAX_ANSWERS = 200_000


def _answers(
    unit: Unit,
) -> tuple[dict[tuple[str, str], str | None], dict[str, str | None]]:
    """The answers of SEC-001 so far in this run: (name, value) -> why it is a literal
    credential, and command or argument -> its credential shape. Shared by every unit
    of the run: the agents of a monorepo repeat most names and values (a proxy URL,
    a collector endpoint); the answer depends on the text alone."""
    cache = unit.options.cache
    answers = cache.get(_ANSWERS)
    if answers is None or len(answers[0]) + len(answers[1]) > _MAX_ANSWERS:
        answers = cache[_ANSWERS] = ({}, {})
    return answers


@check(
    "SEC-001",
    "No literal credentials",
    "critical",
    kinds=(*WORKLOAD_KINDS, "ConfigMap"),
    description=(
        "No credential in env values, args, commands or ConfigMaps, recognised by name (OPENAI_API_KEY, "
        "ANTHROPIC_API_KEY, HF_TOKEN, *_SECRET, *_TOKEN, *_PASSWORD...) or by shape (sk-, sk-ant-, AIza, hf_, ghp_, AWS key ids, "
        "a password in a connection string such as postgresql://app:PASSWORD@host). build and deploy refuse such a value even with --no-gate."
    ),
    rationale="A credential in a manifest lands in git history, CI logs, kubectl describe output and every backup; rotate it now.",
    remediation="Rotate the credential, store it in the secret manager and reference it from spec.secrets (rendered as an ExternalSecret).",
    example="""
# agent.yaml
spec:
  model: {provider: openai, name: gpt-4.1-mini-2025-04-14, apiKeySecret: llm-api-key}
  secrets:
    - {name: llm-api-key, store: gcp-secret-manager, remoteRef: {key: openai-api-key}}
""",
)
def literal_credentials(unit: Unit) -> Iterator[Hit]:
    seen, shapes = _answers(unit)
    for view in unit_pods(unit):
        for c in view.containers:
            for i, env in enumerate(as_list(c.data.get("env"))):
                e = as_dict(env)
                why = _literal(str(e.get("name", "")), e.get("value"), seen)
                if why:
                    yield Hit(
                        f"env {e.get('name')} in container {c.name!r} {why}",
                        view.obj,
                        (*c.path, "env", i, "value"),
                        container=c.name,
                    )
            for key in ("command", "args"):
                for i, arg in enumerate(as_list(c.data.get(key))):
                    text = str(arg)
                    if text not in shapes:
                        shapes[text] = credential_shape(text)
                    shape = shapes[text]
                    if shape:
                        yield Hit(
                            f"{key}[{i}] of container {c.name!r} looks like {shape}",
                            view.obj,
                            (*c.path, key, i),
                            container=c.name,
                        )
    for obj in unit.of_kind("ConfigMap"):
        for key, value in as_dict(obj.data.get("data")).items():
            why = _literal(str(key), value, seen)
            if why:
                yield Hit(f"ConfigMap key {key} {why}", obj, ("data", key))


def _secret_refs(unit: Unit) -> Iterator[tuple[Obj, str, PathKey, str | None]]:
    """(object, secret name, path, container) for every reference to a Secret."""
    for view in unit_pods(unit):
        for c in view.containers:
            for i, env in enumerate(as_list(c.data.get("env"))):
                ref = as_dict(as_dict(as_dict(env).get("valueFrom")).get("secretKeyRef"))
                if ref.get("name"):
                    yield (
                        view.obj,
                        str(ref["name"]),
                        (*c.path, "env", i, "valueFrom", "secretKeyRef", "name"),
                        c.name,
                    )
            for i, src in enumerate(as_list(c.data.get("envFrom"))):
                ref = as_dict(as_dict(src).get("secretRef"))
                if ref.get("name"):
                    yield (
                        view.obj,
                        str(ref["name"]),
                        (*c.path, "envFrom", i, "secretRef", "name"),
                        c.name,
                    )
        for path, vol in view.volumes():
            secret = as_dict(vol.get("secret"))
            if secret.get("secretName"):
                yield view.obj, str(secret["secretName"]), (*path, "secret", "secretName"), None
            for k, source in enumerate(as_list(as_dict(vol.get("projected")).get("sources"))):
                ref = as_dict(as_dict(source).get("secret"))
                if ref.get("name"):
                    yield (
                        view.obj,
                        str(ref["name"]),
                        (*path, "projected", "sources", k, "secret", "name"),
                        None,
                    )


def _backed(unit: Unit) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for obj in unit.of_kind("ExternalSecret"):
        target = as_dict(as_dict(obj.data.get("spec")).get("target"))
        out.add((obj.namespace, str(target.get("name") or obj.name)))
    for obj in unit.of_kind("SecretProviderClass"):
        for so in as_list(as_dict(obj.data.get("spec")).get("secretObjects")):
            if as_dict(so).get("secretName"):
                out.add((obj.namespace, str(so["secretName"])))
    return out


@check(
    "SEC-002",
    "Secrets come from a secret manager",
    "high",
    kinds=(*WORKLOAD_KINDS, "Secret"),
    description=(
        "Every Secret a pod references is produced by an ExternalSecret or a CSI SecretProviderClass in the bundle, "
        "and the bundle contains no `kind: Secret` with data."
    ),
    rationale="A Secret manifest with data is a credential in git (base64 is not encryption); a dangling reference is a pod that never starts.",
    remediation="Declare the secret in agent.yaml spec.secrets (an ExternalSecret is rendered) and delete the Secret manifest.",
    example="""
kind: ExternalSecret
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: gcp-secret-manager}
  target: {name: llm-api-key}
  data: [{secretKey: value, remoteRef: {key: openai-api-key}}]
""",
)
def managed_secrets(unit: Unit) -> Iterator[Hit]:
    for obj in unit.of_kind("Secret"):
        for key in ("data", "stringData"):
            if as_dict(obj.data.get(key)):
                yield Hit(f"Secret carries {key} in the manifest", obj, (key,))
    backed = ByNamespace((ns, n, None) for ns, n in _backed(unit))
    csi_pods = {
        v.obj.ref
        for v in unit_pods(unit)
        for _, vol in v.volumes()
        if as_dict(vol.get("csi")).get("driver") == "secrets-store.csi.k8s.io"
    }
    for obj, name, path, container in _secret_refs(unit):
        if (obj.namespace, name) in backed:
            continue
        if obj.ref in csi_pods and any(s.name == name for s in unit.of_kind("SecretProviderClass")):
            continue
        yield Hit(
            f"Secret {name!r} is not produced by an ExternalSecret or SecretProviderClass in the bundle",
            obj,
            path,
            container=container,
        )


@check(
    "SEC-003",
    "Secrets mounted as files",
    "low",
    kinds=WORKLOAD_KINDS,
    description="Secrets reach the process as files rather than environment variables, where the agent allows it.",
    rationale="Environment variables leak into crash dumps, child processes (tool subprocesses!) and debug endpoints; files do not.",
    remediation="Use `mount: file` (the default) in spec.secrets and read the path from SECRET_<NAME>_FILE.",
    example="""
secrets:
  - {name: llm-api-key, store: gcp-secret-manager, remoteRef: {key: openai-api-key}, mount: file}
""",
)
def secrets_as_files(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            for i, env in enumerate(as_list(c.data.get("env"))):
                if as_dict(as_dict(env).get("valueFrom")).get("secretKeyRef"):
                    path = (*c.path, "env", i, "valueFrom", "secretKeyRef")
                    yield Hit(
                        f"env {as_dict(env).get('name')} of container {c.name!r} comes from a Secret",
                        view.obj,
                        path,
                        container=c.name,
                    )
            for i, src in enumerate(as_list(c.data.get("envFrom"))):
                if as_dict(src).get("secretRef"):
                    path = (*c.path, "envFrom", i, "secretRef")
                    yield Hit(
                        f"container {c.name!r} loads a whole Secret into its environment",
                        view.obj,
                        path,
                        container=c.name,
                    )


@check(
    "SEC-004",
    "No duplicate environment variables",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="No container defines the same environment variable name twice.",
    rationale="The last definition wins silently: a literal placed after a secret reference shadows the secret.",
    remediation="Remove the duplicate; keep the secret reference.",
    example="""
env:
  - name: OPENAI_API_KEY_FILE
    value: /var/run/secrets/agentctl/llm-api-key/value
""",
)
def duplicate_env(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            first: dict[str, int] = {}
            for i, env in enumerate(as_list(c.data.get("env"))):
                name = str(as_dict(env).get("name", ""))
                if name in first:
                    msg = f"env {name} of container {c.name!r} is defined twice (first at env[{first[name]}])"
                    yield Hit(msg, view.obj, (*c.path, "env", i, "name"), container=c.name)
                else:
                    first[name] = i


@check(
    "SEC-005",
    "Secret stores the platform allows",
    "high",
    kinds=("ExternalSecret",),
    description=(
        "Every spec.secrets[].store (and every ExternalSecret's secretStoreRef) names a store listed in platform.yaml "
        "`secretStores`, with the kind listed there; without a list only the platform default store (gcp-secret-manager) is allowed."
    ),
    rationale=(
        "A ClusterSecretStore is readable from every namespace: naming another team's store reads that team's secrets. "
        "The platform's list is the only set of stores agents are meant to read."
    ),
    remediation="Use a store listed in platform.yaml secretStores, or ask the platform team to add the store there.",
    example="""
# platform.yaml
secretStores:
  gcp-secret-manager: {kind: ClusterSecretStore}
# agent.yaml
secrets:
  - {name: llm-api-key, store: gcp-secret-manager, remoteRef: {key: search-openai-api-key}}
""",
)
def allowed_stores(unit: Unit) -> Iterator[Hit]:
    stores = unit.platform.platform.secret_stores
    listed = ", ".join(sorted(stores)) or "none"
    for obj in unit.of_kind("ExternalSecret"):
        ref = as_dict(as_dict(obj.data.get("spec")).get("secretStoreRef"))
        name = str(ref.get("name") or "")
        kind = str(ref.get("kind") or "SecretStore")
        allowed = stores.get(name)
        if allowed is None:
            yield Hit(
                f"secret store {name!r} is not in the platform's secretStores (allowed: {listed})",
                obj,
                ("spec", "secretStoreRef", "name"),
            )
        elif allowed.kind != kind:
            yield Hit(
                f"secret store {name!r} is a {allowed.kind} on this platform, not a {kind}",
                obj,
                ("spec", "secretStoreRef", "kind"),
            )


@check(
    "SEC-006",
    "Secret keys are the agent's own",
    "high",
    description=(
        "Every spec.secrets[].remoteRef.key starts with the keyPrefix platform.yaml sets on its store "
        "(secretStores.NAME.keyPrefix, with {team} and {agent} substituted)."
    ),
    rationale=(
        "Every agent syncs through the same store with the store's own identity: without a naming rule any agent can "
        "name any key, another team's database password included. A per-team prefix, with the secret manager's "
        "IAM granting the store's identity only what it needs, makes the boundary visible and enforced before deploy."
    ),
    remediation="Store the secret under your team's prefix (e.g. search-openai-api-key) and reference that key.",
    example="""
# platform.yaml
secretStores:
  gcp-secret-manager: {kind: ClusterSecretStore, keyPrefix: "{team}-"}
# agent.yaml (team search)
secrets:
  - {name: llm-api-key, store: gcp-secret-manager, remoteRef: {key: search-openai-api-key}}
""",
)
def own_keys(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    agent = unit.agent.agent
    stores = unit.platform.platform.secret_stores
    for i, secret in enumerate(agent.spec.secrets):
        store = stores.get(secret.store)
        prefix = store.prefix_for(agent.metadata.team, agent.metadata.name) if store else None
        if prefix is not None and not secret.remote_ref.key.startswith(prefix):
            yield Hit(
                f"key {secret.remote_ref.key!r} is outside this agent's keys in store {secret.store!r} "
                f"(they start with {prefix!r})",
                path=("spec", "secrets", i, "remoteRef", "key"),
            )
