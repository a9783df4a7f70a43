"""State and semantics of the fake Kubernetes API: objects, apply, create, delete, controllers.

``FakeKube`` (kube_api.py) adds the public steering methods and the server;
this mixin holds what a request does to the state, under the fake's lock.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets as _secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentctl.spec.units import memory_bytes
from tests.fakes import kube_ssa as ssa
from tests.fakes.kube_resources import Resource

if TYPE_CHECKING:
    import random


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details = details or {}
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class Fault:
    code: int
    count: int = 1
    method: str | None = None
    path_contains: str | None = None
    retry_after: int | None = None
    message: str | None = None


@dataclass
class Stored:
    resource: Resource
    obj: dict[str, Any]
    owners: dict[str, set[Any]] = field(default_factory=dict)
    operations: dict[str, str] = field(default_factory=dict)


@dataclass
class LogStream:
    lines: list[str] = field(default_factory=list)
    closed: bool = True


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int
    content_type: str = ""


def fault_error(code: int, retry_after: int | None, message: str | None) -> ApiError:
    reasons = {
        429: "TooManyRequests",
        500: "InternalError",
        503: "ServiceUnavailable",
        504: "Timeout",
    }
    default = {
        429: "Too many requests, please try again later.",
        500: "Internal error occurred: etcdserver: request timed out",
        503: "the server is currently unable to handle the request",
    }
    headers = (
        {"Retry-After": str(retry_after)} if retry_after is not None and code in (429, 503) else {}
    )
    return ApiError(
        code,
        reasons.get(code, "Unknown"),
        message or default.get(code, f"error {code}"),
        {"retryAfterSeconds": retry_after} if headers else None,
        headers,
    )


class StoreMixin:
    """The fake's state transitions; attributes are set up by ``FakeKube.__init__``."""

    resources: list[Resource]
    auto_ready: bool | set[str]
    fault_rate: float
    fault_codes: tuple[int, ...]
    fault_retry_after: int | None
    fault_methods: set[str] | None
    faults: list[Fault]
    drop_after: int | None
    drop_methods: set[str] | None
    invalid: list[tuple[str, str | None, str, str]]
    on_create: dict[str, Callable[[Any, dict[str, Any]], None]]
    _rng: random.Random
    _counted: int
    _lock: threading.RLock
    _changed: threading.Condition
    _rv: int
    _store: dict[tuple[str, str, str, str], Stored]
    _events: list[tuple[int, str, Resource, dict[str, Any]]]

    def resource_for(self, kind: str) -> Resource:
        for r in self.resources:
            if r.kind == kind:
                return r
        raise KeyError(kind)

    def _resource_of(self, obj: dict[str, Any]) -> Resource:
        api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        group, _, version = api_version.rpartition("/")
        for r in self.resources:
            if r.group == group and r.version == version and r.kind == kind:
                return r
        raise KeyError(f"{api_version} {kind}")

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _touch(self, s: Stored, event: str) -> None:
        s.obj["metadata"]["resourceVersion"] = self._next_rv()
        self._events.append((self._rv, event, s.resource, ssa.clone(self._public(s))))
        self._changed.notify_all()

    def _public(self, s: Stored) -> dict[str, Any]:
        obj = ssa.clone(s.obj)
        obj["apiVersion"], obj["kind"] = s.resource.group_version, s.resource.kind
        obj["metadata"]["managedFields"] = [
            {
                "manager": m,
                "operation": s.operations.get(m, "Apply"),
                "apiVersion": s.resource.group_version,
                "time": obj["metadata"].get("creationTimestamp", _now()),
                "fieldsType": "FieldsV1",
                "fieldsV1": ssa.fields_v1(paths),
            }
            for m, paths in sorted(s.owners.items())
        ]
        return obj

    def _ensure_namespace(self, r: Resource, ns: str) -> None:
        if r.namespaced and ("", "namespaces", "", ns) not in self._store:
            raise ApiError(
                404, "NotFound", f'namespaces "{ns}" not found', {"name": ns, "kind": "namespaces"}
            )

    def _validate(self, r: Resource, name: str, obj: dict[str, Any]) -> None:
        causes = []
        for kind, only, path, message in self.invalid:
            if kind == r.kind and only in (None, name):
                causes.append({"reason": "FieldValueInvalid", "message": message, "field": path})
        spec = obj.get("spec") or {}
        template = (
            (spec.get("jobTemplate") or {}).get("spec", {}).get("template")
            if r.kind == "CronJob"
            else spec.get("template")
        )
        if r.kind in ("Deployment", "StatefulSet", "Job", "CronJob") and isinstance(template, dict):
            prefix = "spec.jobTemplate.spec.template" if r.kind == "CronJob" else "spec.template"
            for i, c in enumerate((template.get("spec") or {}).get("containers") or []):
                if not c.get("image"):
                    causes.append(
                        {
                            "reason": "FieldValueRequired",
                            "message": "Required value",
                            "field": f"{prefix}.spec.containers[{i}].image",
                        }
                    )
        if causes:
            detail = ", ".join(f"{c['field']}: {c['message']}" for c in causes)
            raise ApiError(
                422,
                "Invalid",
                f'{r.kind}.{r.group or "core"} "{name}" is invalid: {detail}'.replace(".core", ""),
                {"name": name, "group": r.group, "kind": r.kind, "causes": causes},
            )

    def _defaults(self, r: Resource, obj: dict[str, Any]) -> None:
        spec = (
            obj.setdefault("spec", {})
            if r.kind in ("Deployment", "StatefulSet", "Service")
            else None
        )
        if r.kind in ("Deployment", "StatefulSet") and spec is not None:
            spec.setdefault("replicas", 1)
            spec.setdefault("revisionHistoryLimit", 10)
        if r.kind == "Service" and spec is not None:
            spec.setdefault("type", "ClusterIP")
            if "clusterIP" not in spec:
                spec["clusterIP"] = f"10.96.{self._rv % 250}.{(self._rv // 250) % 250 + 1}"

    def _apply(
        self,
        r: Resource,
        ns: str,
        name: str,
        body: dict[str, Any],
        manager: str,
        *,
        force: bool,
        dry_run: bool,
        operation: str = "Apply",
    ) -> tuple[dict[str, Any], bool]:
        if body.get("kind") != r.kind or body.get("apiVersion") != r.group_version:
            raise ApiError(
                400,
                "BadRequest",
                f"the body of the request was in an unknown format: {body.get('apiVersion')} {body.get('kind')} sent to {r.qualified}",
            )
        meta = body.get("metadata") or {}
        if meta.get("name") != name:
            raise ApiError(
                400, "BadRequest", "the name of the object does not match the name on the URL"
            )
        self._ensure_namespace(r, ns)
        self._validate(r, name, body)
        config = ssa.clone(body)
        if r.status_subresource:
            config.pop("status", None)
        key = (r.group, r.plural, ns, name)
        stored = self._store.get(key)
        live = ssa.clone(stored.obj) if stored else None
        owners = stored.owners if stored else {}
        try:
            merged, new_owners = ssa.apply(live, config, manager, owners, force=force)
        except ssa.ApplyConflict as exc:
            causes = [
                {
                    "reason": "FieldManagerConflict",
                    "message": f'conflict with "{m}" using {r.group_version}',
                    "field": ssa.format_path(p),
                }
                for m, p in exc.conflicts
            ]
            lines = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
            n = len(causes)
            message = (
                f"Apply failed with {n} conflict{'s' if n != 1 else ''}: {causes[0]['message']}: {causes[0]['field']}"
                if n == 1
                else f"Apply failed with {n} conflicts: conflicts with another manager:\n{lines}"
            )
            raise ApiError(
                409,
                "Conflict",
                message,
                {"name": name, "group": r.group, "kind": r.plural, "causes": causes},
            ) from None
        if stored is not None:
            immutable_changes(r, name, stored.obj, merged)
            if r.kind == "PersistentVolumeClaim":
                self._check_resize(name, stored.obj, merged)
        if operation == "Update" and stored is not None:
            new_owners = ssa.update_owners(stored.obj, merged, manager, owners)
        merged["apiVersion"], merged["kind"] = r.group_version, r.kind
        md = merged.setdefault("metadata", {})
        md["name"] = name
        if r.namespaced:
            md["namespace"] = ns
        self._defaults(r, merged)
        created = stored is None
        if created:
            md["uid"] = _secrets.token_hex(16)
            md["creationTimestamp"] = _now()
            md["generation"] = 1
            changed = True
        else:
            before = {k: v for k, v in stored.obj.items() if k != "status"}
            after = {k: v for k, v in merged.items() if k != "status"}
            changed = before != after or new_owners != owners
            spec_changed = {k: v for k, v in before.items() if k != "metadata"} != {
                k: v for k, v in after.items() if k != "metadata"
            }
            if spec_changed:
                md["generation"] = int(stored.obj["metadata"].get("generation", 1)) + 1
        candidate = Stored(
            r, merged, new_owners, {**(stored.operations if stored else {}), manager: operation}
        )
        if dry_run:
            return self._public(candidate), created
        if created or changed:
            self._store[key] = candidate
            self._touch(candidate, "ADDED" if created else "MODIFIED")
            self._settle(candidate)
            if created:
                self._on_create(candidate)
        return self._public(self._store[key]), created

    def _merge_patch(
        self, r: Resource, ns: str, name: str, patch: dict[str, Any], manager: str
    ) -> dict[str, Any]:
        """A JSON merge patch (RFC 7386): null removes a key; a resourceVersion in the
        patch must match (409 Conflict otherwise), as the API server checks it."""
        s = self._store.get((r.group, r.plural, ns, name))
        if s is None:
            raise ApiError(404, "NotFound", f'{r.qualified} "{name}" not found')
        want = (patch.get("metadata") or {}).get("resourceVersion")
        if want is not None and want != s.obj["metadata"].get("resourceVersion"):
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {r.qualified} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
            )

        def merge(target: Any, change: Any) -> Any:
            if not isinstance(change, dict):
                return ssa.clone(change)
            out = dict(target) if isinstance(target, dict) else {}
            for key, value in change.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = merge(out.get(key), value)
            return out

        body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
        merged = merge(s.obj, body)
        merged["metadata"]["resourceVersion"] = s.obj["metadata"].get("resourceVersion")
        s.obj = merged
        s.operations.setdefault(manager, "Update")
        self._touch(s, "MODIFIED")
        return self._public(s)

    def _create(
        self,
        r: Resource,
        ns: str,
        body: dict[str, Any],
        manager: str,
        *,
        dry_run: bool = False,
        admit: bool = True,
    ) -> dict[str, Any]:
        """Create as a request does (``admit``: through admission, PodSecurity included);
        tests playing a controller create without it, as a controller's compliant pods pass."""
        obj = ssa.clone(body)
        md = obj.setdefault("metadata", {})
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + _secrets.token_hex(3)[:5]
        name = md.get("name")
        if not name:
            raise ApiError(
                422,
                "Invalid",
                f"{r.kind} is invalid: metadata.name: Required value: name or generateName is required",
            )
        self._ensure_namespace(r, ns)
        self._validate(r, name, obj)
        if r.kind == "Pod" and admit:
            self._pod_security(ns, name, obj)
        key = (r.group, r.plural, ns, name)
        if key in self._store:
            raise ApiError(
                409,
                "AlreadyExists",
                f'{r.qualified} "{name}" already exists',
                {"name": name, "group": r.group, "kind": r.plural},
            )
        obj["apiVersion"], obj["kind"] = r.group_version, r.kind
        if r.namespaced:
            md["namespace"] = ns
        md.update(uid=_secrets.token_hex(16), creationTimestamp=_now(), generation=1)
        self._defaults(r, obj)
        s = Stored(r, obj, {manager: ssa.field_set(obj)}, {manager: "Update"})
        if dry_run:
            return self._public(s)
        self._store[key] = s
        self._touch(s, "ADDED")
        self._settle(s)
        self._on_create(s)
        return self._public(s)

    def _on_create(self, s: Stored) -> None:
        """A test's controller for this kind, run within the request that created the object
        (created by apply or by create) and after the built-in ones (``auto_ready``): no client
        can see the object before it acted, and what it sets wins."""
        hook = self.on_create.get(s.resource.kind)
        if hook is not None:
            hook(self, self._public(s))

    def _settle(self, s: Stored) -> None:
        """What controllers would do next when auto_ready: roll out, complete, bind."""
        kind = s.resource.kind
        if not (
            self.auto_ready is True
            or (isinstance(self.auto_ready, set) and kind in self.auto_ready)
        ):
            return
        md, spec = s.obj["metadata"], s.obj.get("spec") or {}
        gen = md.get("generation", 1)
        status: dict[str, Any] | None = None
        if kind == "Deployment":
            n = spec.get("replicas", 1)
            status = {
                "observedGeneration": gen,
                "replicas": n,
                "updatedReplicas": n,
                "readyReplicas": n,
                "availableReplicas": n,
                "conditions": [
                    {"type": "Available", "status": "True"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
                ],
            }
        elif kind == "StatefulSet":
            n = spec.get("replicas", 1)
            rev = f"{md['name']}-{gen}"
            status = {
                "observedGeneration": gen,
                "replicas": n,
                "readyReplicas": n,
                "currentReplicas": n,
                "updatedReplicas": n,
                "availableReplicas": n,
                "currentRevision": rev,
                "updateRevision": rev,
            }
        elif kind == "Job":
            status = {
                "succeeded": 1,
                "startTime": md.get("creationTimestamp"),
                "completionTime": _now(),
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True"},
                    {"type": "Complete", "status": "True"},
                ],
            }
        elif kind == "ExternalSecret":
            # what the External Secrets operator reports once it synced this generation
            status = {
                "refreshTime": _now(),
                "syncedResourceVersion": f"{gen}-fake",
                "binding": {"name": ((spec.get("target") or {}).get("name")) or md["name"]},
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "SecretSynced",
                        "message": "secret synced",
                    }
                ],
            }
        elif kind == "PersistentVolumeClaim":
            size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
            status = {"phase": "Bound", "accessModes": spec.get("accessModes") or []}
            if size:
                status["capacity"] = {"storage": size}
        if status is not None and s.obj.get("status") != status:
            s.obj["status"] = status
            self._touch(s, "MODIFIED")

    def _pod_security(self, ns: str, name: str, pod: dict[str, Any]) -> None:
        """PodSecurity admission at the namespace's enforce level (the restricted checks)."""
        stored = self._store.get(("", "namespaces", "", ns))
        labels = (stored.obj["metadata"].get("labels") or {}) if stored else {}
        level = labels.get("pod-security.kubernetes.io/enforce", "privileged")
        if level != "restricted":
            return
        problems = restricted_violations(pod.get("spec") or {})
        if problems:
            raise ApiError(
                403,
                "Forbidden",
                f'pods "{name}" is forbidden: violates PodSecurity "restricted:latest": '
                + ", ".join(problems),
                {"name": name, "kind": "pods"},
            )

    def _check_resize(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        """The PersistentVolumeClaimResize admission plugin: only claims of a StorageClass
        with allowVolumeExpansion may grow."""
        before = memory_bytes(_storage(old) or "0")
        after = memory_bytes(_storage(new) or "0")
        if after <= before:
            return
        sc_name = (old.get("spec") or {}).get("storageClassName") or ""
        sc = self._store.get(("storage.k8s.io", "storageclasses", "", sc_name))
        if sc is None or not sc.obj.get("allowVolumeExpansion"):
            raise ApiError(
                403,
                "Forbidden",
                f'persistentvolumeclaims "{name}" is forbidden: only dynamically provisioned pvc '
                "can be resized and the storageclass that provisions the pvc must support resize",
                {"name": name, "kind": "persistentvolumeclaims"},
            )

    def _delete(
        self, r: Resource, ns: str, name: str, propagation: str | None, dry_run: bool
    ) -> dict[str, Any]:
        key = (r.group, r.plural, ns, name)
        s = self._store.get(key)
        if s is None:
            raise ApiError(
                404,
                "NotFound",
                f'{r.qualified} "{name}" not found',
                {"name": name, "group": r.group, "kind": r.plural},
            )
        if dry_run:
            return self._public(s)
        del self._store[key]
        gone = self._public(s)
        self._events.append((int(self._next_rv()), "DELETED", r, gone))
        policy = propagation or ("Orphan" if r.kind == "Job" else "Background")
        uid = s.obj["metadata"].get("uid")
        for k, other in list(self._store.items()):
            refs = other.obj["metadata"].get("ownerReferences") or []
            if policy == "Orphan" and any(ref.get("uid") == uid for ref in refs):
                # the garbage collector's orphan finalizer: dependents stay, their owner goes
                kept = [ref for ref in refs if ref.get("uid") != uid]
                if kept:
                    other.obj["metadata"]["ownerReferences"] = kept
                else:
                    other.obj["metadata"].pop("ownerReferences", None)
                self._touch(other, "MODIFIED")
                continue
            in_ns = r.kind == "Namespace" and k[2] == name
            if in_ns or (policy != "Orphan" and any(ref.get("uid") == uid for ref in refs)):
                self._delete(other.resource, k[2], k[3], "Background", False)
        self._changed.notify_all()
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": name, "group": r.group, "kind": r.plural, "uid": uid},
        }

    def _matches(self, obj: dict[str, Any], query: dict[str, str]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return ssa.labels_match(
            labels, ssa.parse_selector(query.get("labelSelector"))
        ) and ssa.fields_match(obj, query.get("fieldSelector"))

    def _list(self, r: Resource, ns: str | None, query: dict[str, str]) -> dict[str, Any]:
        items = []
        for (g, p, ons, _), s in sorted(self._store.items()):
            if g == r.group and p == r.plural and (ns is None or ons == ns):
                obj = self._public(s)
                if self._matches(obj, query):
                    obj.pop("apiVersion", None)
                    obj.pop("kind", None)
                    items.append(obj)
        return {
            "kind": f"{r.kind}List",
            "apiVersion": r.group_version,
            "metadata": {"resourceVersion": str(self._rv)},
            "items": items,
        }

    def _inject(self, method: str, path: str) -> ApiError | None:
        with self._lock:
            for f in self.faults:
                if (
                    f.count > 0
                    and (f.method in (None, method))
                    and (f.path_contains is None or f.path_contains in path)
                ):
                    f.count -= 1
                    return fault_error(f.code, f.retry_after, f.message)
            if (
                self.fault_rate
                and (self.fault_methods is None or method in self.fault_methods)
                and self._rng.random() < self.fault_rate
            ):
                return fault_error(self._rng.choice(self.fault_codes), self.fault_retry_after, None)
        return None

    def _should_drop(self, method: str) -> bool:
        with self._lock:
            if self.drop_after is None or (
                self.drop_methods is not None and method not in self.drop_methods
            ):
                return False
            self._counted += 1
            return self._counted > self.drop_after


# kube-apiserver's ValidateStatefulSetUpdate (v1.37): these spec fields are immutable, each
# refused on its own path; every other spec field may change.
STS_IMMUTABLE = ("selector", "volumeClaimTemplates", "serviceName", "podManagementPolicy")


def _storage(obj: dict[str, Any]) -> str | None:
    return (((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")


def _invalid(r: Resource, name: str, field_path: str, message: str) -> ApiError:
    return _invalid_all(r, name, [(field_path, message, "FieldValueForbidden")])


def _immutable(path: str, value: Any) -> tuple[str, str, str]:
    shown = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return path, f"Invalid value: {shown}: field is immutable", "FieldValueInvalid"


def _invalid_all(r: Resource, name: str, errors: list[tuple[str, str, str]]) -> ApiError:
    """A 422 naming every refused field, worded as kube-apiserver words it."""
    qualified = f"{r.kind}.{r.group}" if r.group else r.kind
    said = [f"{path}: {message}" for path, message, _ in errors]
    listed = said[0] if len(said) == 1 else f"[{', '.join(said)}]"
    return ApiError(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: {listed}',
        {
            "name": name,
            "group": r.group,
            "kind": r.kind,
            "causes": [
                {"reason": reason, "message": message, "field": path}
                for path, message, reason in errors
            ],
        },
    )


def immutable_changes(r: Resource, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """What kube-apiserver's update validation refuses (the fields agentctl renders)."""
    ospec, nspec = old.get("spec") or {}, new.get("spec") or {}
    if r.kind == "StatefulSet":
        changed = [
            _immutable(f"spec.{k}", nspec.get(k))
            for k in STS_IMMUTABLE
            if ospec.get(k) != nspec.get(k)
        ]
        if changed:
            raise _invalid_all(r, name, changed)
    elif r.kind == "Job":
        if nspec.get("template") != ospec.get("template"):
            # a suspended Job's pod template is checked field by field (its resources may change)
            if ospec.get("suspend") is True:
                path, value = "spec.template.spec", (nspec.get("template") or {}).get("spec")
            else:
                path, value = "spec.template", nspec.get("template")
            raise _invalid_all(r, name, [_immutable(path, value)])
    elif r.kind == "Service":
        # kube-apiserver (v1.37) once a cluster IP is allocated: ClusterIP to headless is refused
        before, after = ospec.get("clusterIP"), nspec.get("clusterIP")
        if before and after and before != after:
            shown = json.dumps([after])
            raise _invalid_all(
                r,
                name,
                [
                    (
                        "spec.clusterIPs[0]",
                        f"Invalid value: {shown}: may not change once set",
                        "FieldValueInvalid",
                    )
                ],
            )
    elif r.kind == "Deployment":
        if nspec.get("selector") != ospec.get("selector"):
            raise _invalid_all(r, name, [_immutable("spec.selector", nspec.get("selector"))])
    elif r.kind == "PersistentVolumeClaim":
        before, after = _storage(old), _storage(new)
        if before and after and memory_bytes(after) < memory_bytes(before):
            raise _invalid(
                r,
                name,
                "spec.resources.requests.storage",
                "Forbidden: field can not be less than status.capacity",
            )
        rest_old = {k: v for k, v in ospec.items() if k not in ("resources", "volumeName")}
        rest_new = {k: v for k, v in nspec.items() if k not in ("resources", "volumeName")}
        if rest_old != rest_new:
            raise _invalid(
                r,
                name,
                "spec",
                "Forbidden: spec is immutable after creation except resources.requests and "
                "volumeAttributesClassName for bound claims",
            )


def restricted_violations(spec: dict[str, Any]) -> list[str]:
    """The Pod Security Standards' restricted checks kube-apiserver reports, in its words."""
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    pod_sc = spec.get("securityContext") or {}
    out = []

    def names(pred: Callable[[dict[str, Any]], bool]) -> list[str]:
        return [c.get("name", "") for c in containers if pred(c.get("securityContext") or {})]

    def quoted(ns: list[str]) -> str:
        return ", ".join(f'"{n}"' for n in ns)

    def containers_word(ns: list[str]) -> str:
        return f"container {quoted(ns)} must" if len(ns) == 1 else f"containers {quoted(ns)} must"

    bad = names(lambda sc: sc.get("privileged") is True)
    if bad:
        out.append(f"privileged ({containers_word(bad)} not set securityContext.privileged=true)")
    bad = names(lambda sc: sc.get("allowPrivilegeEscalation") is not False)
    if bad:
        out.append(
            f"allowPrivilegeEscalation != false ({containers_word(bad)} set "
            "securityContext.allowPrivilegeEscalation=false)"
        )
    bad = names(lambda sc: "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []))
    if bad:
        out.append(
            f'unrestricted capabilities ({containers_word(bad)} set securityContext.capabilities.drop=["ALL"])'
        )
    if pod_sc.get("runAsNonRoot") is not True:
        bad = names(lambda sc: sc.get("runAsNonRoot") is not True)
        if bad:
            out.append(
                "runAsNonRoot != true (pod or "
                + containers_word(bad).replace(" must", "")
                + " must set securityContext.runAsNonRoot=true)"
            )
    if ((pod_sc.get("seccompProfile") or {}).get("type")) not in ("RuntimeDefault", "Localhost"):
        bad = names(
            lambda sc: (
                ((sc.get("seccompProfile") or {}).get("type"))
                not in ("RuntimeDefault", "Localhost")
            )
        )
        if bad:
            out.append(
                "seccompProfile (pod or "
                + containers_word(bad).replace(" must", "")
                + ' must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
            )
    return out
