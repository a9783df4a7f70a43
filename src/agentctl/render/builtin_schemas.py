"""Built-in structural schemas for the custom resources agentctl renders.

Used only when no CRD for the kind is available (see ``schemas``): the real
CRDs are not shipped with agentctl, so that users validate against the CRD
versions *their* clusters run (``--crd-dir`` / ``AGENTCTL_CRD_DIR``).

These schemas are strict where agentctl writes (the fields it renders, and
pods through Kubernetes' own Container, PodSecurityContext and Volume
definitions) and open elsewhere, so that a valid hand-written manifest using
fields agentctl never renders is not rejected. Kinds covered: Argo
WorkflowTemplate / Workflow / CronWorkflow, External Secrets ExternalSecret,
CiliumNetworkPolicy and GKE FQDNNetworkPolicy.
"""

from __future__ import annotations

import copy
from typing import Any

_K8S = "#/$defs/io.k8s.api.core.v1."
_META = {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
_LABEL_SELECTOR = {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"}
_STR: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_INT_OR_STR: dict[str, Any] = {"anyOf": [_INT, _STR]}
_STR_MAP: dict[str, Any] = {"type": "object", "additionalProperties": _STR}


def _obj(
    props: dict[str, Any], *, required: list[str] | None = None, closed: bool = True
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if closed:
        out["additionalProperties"] = False
    return out


def _arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {
            "apiVersion": {"enum": [api_version]},
            "kind": {"enum": [kind]},
            "metadata": _META,
            "spec": spec,
            "status": {},
        },
        required=["apiVersion", "kind", "spec"],
    )


# -- Argo Workflows -------------------------------------------------------------

_PARAM = _obj(
    {
        "name": _STR,
        "value": _STR,
        "default": _STR,
        "description": _STR,
        "enum": _arr(_STR),
        "globalName": _STR,
        "valueFrom": _obj(
            {
                "path": _STR,
                "parameter": _STR,
                "default": _STR,
                "expression": _STR,
                "jsonPath": _STR,
                "jqFilter": _STR,
                "event": _STR,
                "supplied": {"type": "object"},
                "configMapKeyRef": {"$ref": _K8S + "ConfigMapKeySelector"},
            }
        ),
    },
    required=["name"],
)
_ARGS = _obj({"parameters": _arr(_PARAM), "artifacts": _arr({"type": "object"})})
_RETRY = _obj(
    {
        "limit": _INT_OR_STR,
        "retryPolicy": {"enum": ["Always", "OnFailure", "OnError", "OnTransientError"]},
        "expression": _STR,
        "affinity": {"type": "object"},
        "backoff": _obj(
            {"duration": _STR, "factor": _INT_OR_STR, "maxDuration": _STR, "cap": _STR}
        ),
    }
)
_TASK = _obj(
    {
        "name": _STR,
        "template": _STR,
        "templateRef": {"type": "object"},
        "arguments": _ARGS,
        "dependencies": _arr(_STR),
        "depends": _STR,
        "when": _STR,
        "withParam": _STR,
        "withItems": {"type": "array"},
        "withSequence": {"type": "object"},
        "continueOn": {"type": "object"},
        "hooks": {"type": "object"},
        "onExit": _STR,
        "inline": {"type": "object"},
    },
    required=["name"],
)
_TEMPLATE = _obj(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 128},
        "container": {"$ref": "#/$defs/argo.Container"},
        "script": {"type": "object"},
        "resource": {"type": "object"},
        "suspend": {"type": "object"},
        "steps": {"type": "array"},
        "dag": _obj({"tasks": _arr(_TASK), "target": _STR, "failFast": _BOOL}, required=["tasks"]),
        "inputs": _obj({"parameters": _arr(_PARAM), "artifacts": _arr({"type": "object"})}),
        "outputs": _obj(
            {
                "parameters": _arr(_PARAM),
                "artifacts": _arr({"type": "object"}),
                "result": _STR,
                "exitCode": _STR,
            }
        ),
        "retryStrategy": _RETRY,
        "activeDeadlineSeconds": _INT_OR_STR,
        "parallelism": {"type": "integer", "minimum": 1},
        "timeout": _STR,
        "securityContext": {"$ref": _K8S + "PodSecurityContext"},
        "serviceAccountName": _STR,
        "automountServiceAccountToken": _BOOL,
        "metadata": _obj({"labels": _STR_MAP, "annotations": _STR_MAP}),
        "volumes": _arr({"$ref": _K8S + "Volume"}),
    },
    required=["name"],
    closed=False,
)
_WORKFLOW_SPEC = _obj(
    {
        "entrypoint": _STR,
        "templates": _arr(_TEMPLATE),
        "arguments": _ARGS,
        "serviceAccountName": _STR,
        "automountServiceAccountToken": _BOOL,
        "executor": _obj({"serviceAccountName": _STR}),
        "securityContext": {"$ref": _K8S + "PodSecurityContext"},
        "podMetadata": _obj({"labels": _STR_MAP, "annotations": _STR_MAP}),
        "activeDeadlineSeconds": _INT,
        "parallelism": {"type": "integer", "minimum": 1},
        "podGC": _obj(
            {
                "strategy": {
                    "enum": [
                        "OnPodCompletion",
                        "OnPodSuccess",
                        "OnWorkflowCompletion",
                        "OnWorkflowSuccess",
                    ]
                },
                "labelSelector": _LABEL_SELECTOR,
                "deleteDelayDuration": _STR,
            }
        ),
        "ttlStrategy": _obj(
            {
                "secondsAfterCompletion": _INT,
                "secondsAfterSuccess": _INT,
                "secondsAfterFailure": _INT,
            }
        ),
        "retryStrategy": _RETRY,
        "volumes": _arr({"$ref": _K8S + "Volume"}),
        "volumeClaimTemplates": _arr({"$ref": _K8S + "PersistentVolumeClaim"}),
        "workflowTemplateRef": _obj({"name": _STR, "clusterScope": _BOOL}),
    },
    closed=False,
)
_CRON_SPEC = _obj(
    {
        "schedules": {"type": "array", "items": _STR, "minItems": 1},
        "timezone": _STR,
        "concurrencyPolicy": {"enum": ["Allow", "Forbid", "Replace"]},
        "startingDeadlineSeconds": _INT,
        "successfulJobsHistoryLimit": _INT,
        "failedJobsHistoryLimit": _INT,
        "suspend": _BOOL,
        "when": _STR,
        "stopStrategy": {"type": "object"},
        "workflowMetadata": {"type": "object"},
        "workflowSpec": _WORKFLOW_SPEC,
    },
    required=["schedules", "workflowSpec"],
)

# -- External Secrets -------------------------------------------------------------

_REMOTE_REF = _obj(
    {
        "key": {"type": "string", "minLength": 1},
        "version": _STR,
        "property": _STR,
        "conversionStrategy": _STR,
        "decodingStrategy": _STR,
        "metadataPolicy": _STR,
        "nullBytePolicy": _STR,
    },
    required=["key"],
)
_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_EXTERNAL_SECRET_SPEC = _obj(
    {
        "refreshInterval": _STR,
        "refreshPolicy": _STR,
        "secretStoreRef": _obj(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 253, "pattern": _SUBDOMAIN},
                "kind": {"enum": ["SecretStore", "ClusterSecretStore"]},
            }
        ),
        "target": _obj(
            {
                "name": {"type": "string", "maxLength": 253, "pattern": _SUBDOMAIN},
                "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None", "CreateOrMerge"]},
                "deletionPolicy": {"enum": ["Delete", "Merge", "Retain"]},
                "immutable": _BOOL,
                "template": {"type": "object"},
                "manifest": {"type": "object"},
            }
        ),
        "data": _arr(
            _obj(
                {"secretKey": _STR, "remoteRef": _REMOTE_REF, "sourceRef": {"type": "object"}},
                required=["secretKey", "remoteRef"],
            )
        ),
        "dataFrom": _arr({"type": "object"}),
        "syncWindows": {"type": "array"},
    }
)

# -- hostname egress policies of CNIs -------------------------------------------------

_CILIUM_PORTS = _arr(
    _obj(
        {
            "ports": _arr(
                _obj(
                    {
                        "port": _STR,
                        "endPort": _INT,
                        "protocol": {"enum": ["TCP", "UDP", "SCTP", "ICMP", "ANY"]},
                    },
                    required=["port"],
                )
            ),
            "rules": {"type": "object"},
            "listener": {"type": "object"},
            "originatingTLS": {"type": "object"},
            "terminatingTLS": {"type": "object"},
            "serverNames": _arr(_STR),
        }
    )
)
_CILIUM_EGRESS = _obj(
    {
        "toFQDNs": _arr(_obj({"matchName": _STR, "matchPattern": _STR})),
        "toEndpoints": _arr(_LABEL_SELECTOR),
        "toPorts": _CILIUM_PORTS,
    },
    closed=False,
)
_CILIUM_SPEC = _obj(
    {
        "endpointSelector": _LABEL_SELECTOR,
        "nodeSelector": _LABEL_SELECTOR,
        "egress": _arr(_CILIUM_EGRESS),
        "ingress": {"type": "array"},
        "egressDeny": {"type": "array"},
        "ingressDeny": {"type": "array"},
        "enableDefaultDeny": {"type": "object"},
        "labels": {"type": "array"},
        "description": _STR,
    }
)
_GKE_FQDN_SPEC = _obj(
    {
        "podSelector": _LABEL_SELECTOR,
        "egress": _arr(
            _obj(
                {
                    "matches": _arr(_obj({"name": _STR, "pattern": _STR})),
                    "ports": _arr(
                        _obj(
                            {
                                "protocol": {"enum": ["TCP", "UDP", "SCTP"]},
                                "port": _INT,
                                "endPort": _INT,
                            }
                        )
                    ),
                },
                required=["matches"],
            )
        ),
    },
    required=["podSelector"],
)

_BUILTIN: dict[tuple[str, str], dict[str, Any]] = {
    ("argoproj.io/v1alpha1", "WorkflowTemplate"): _resource(
        "argoproj.io/v1alpha1", "WorkflowTemplate", _WORKFLOW_SPEC
    ),
    ("argoproj.io/v1alpha1", "Workflow"): _resource(
        "argoproj.io/v1alpha1", "Workflow", _WORKFLOW_SPEC
    ),
    ("argoproj.io/v1alpha1", "CronWorkflow"): _resource(
        "argoproj.io/v1alpha1", "CronWorkflow", _CRON_SPEC
    ),
    ("external-secrets.io/v1", "ExternalSecret"): _resource(
        "external-secrets.io/v1", "ExternalSecret", _EXTERNAL_SECRET_SPEC
    ),
    ("cilium.io/v2", "CiliumNetworkPolicy"): _resource(
        "cilium.io/v2", "CiliumNetworkPolicy", _CILIUM_SPEC
    ),
    ("networking.gke.io/v1alpha1", "FQDNNetworkPolicy"): _resource(
        "networking.gke.io/v1alpha1", "FQDNNetworkPolicy", _GKE_FQDN_SPEC
    ),
}


def builtin_schema(api_version: str, kind: str, kube_version: str) -> dict[str, Any] | None:
    """A self-contained built-in schema for a custom kind, or None."""
    builtin = _BUILTIN.get((api_version, kind))
    if builtin is None:
        return None
    import json

    from agentctl.render.schemas import (
        kept_schema,
        kube_definitions,
        kube_definitions_file,
        self_contained,
    )

    def build() -> dict[str, Any]:
        schema = copy.deepcopy(builtin)
        # Argo's container is Kubernetes' Container without a required name.
        defs = kube_definitions(kube_version)
        container = copy.deepcopy(defs["io.k8s.api.core.v1.Container"])
        container["required"] = [r for r in container.get("required", []) if r != "name"]
        schema["$defs"] = {"argo.Container": container}
        return self_contained(schema, kube_version)

    text = json.dumps(builtin, sort_keys=True)
    return kept_schema(("builtin", kube_definitions_file(kube_version), text), build)
