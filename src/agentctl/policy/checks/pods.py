"""Pod Security Standards (restricted profile) and a read-only root filesystem."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.policy.model import Hit, Obj, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import (
    WORKLOAD_KINDS,
    Container,
    PodView,
    as_dict,
    as_list,
    unit_pods,
)

SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
        "image",
    }
)


def _effective(
    view: PodView, c: Container, name: str
) -> tuple[object, tuple[str | int, ...], bool]:
    """Container-level value if set, else the pod-level one; True when set on the container."""
    sc = c.sc()
    if name in sc and sc[name] is not None:
        return sc[name], (*c.sc_path, name), True
    value, path = view.pod_sc(name)
    return value, path, False


@check(
    "PSS-001",
    "Containers run as a non-root user",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every container runs with runAsNonRoot: true and never with runAsUser: 0.",
    rationale=(
        "A process running as root inside a container is one kernel or runtime bug away from root on the node; "
        "the restricted Pod Security Standard forbids it."
    ),
    remediation="Set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser; build the image with a numeric USER.",
    example="""
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
""",
)
def non_root(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        pod_missing = False
        for c in view.containers:
            value, path, on_container = _effective(view, c, "runAsNonRoot")
            if value is not True:
                if on_container:
                    yield Hit(
                        f"container {c.name!r} sets runAsNonRoot: {value}",
                        view.obj,
                        path,
                        container=c.name,
                    )
                else:
                    pod_missing = True
            uid, upath, _ = _effective(view, c, "runAsUser")
            if uid == 0:
                yield Hit(
                    f"container {c.name!r} runs as user 0 (root)", view.obj, upath, container=c.name
                )
        if pod_missing:
            _, path = view.pod_sc("runAsNonRoot")
            yield Hit("runAsNonRoot is not true for the pod or its containers", view.obj, path)


@check(
    "PSS-002",
    "Privilege escalation is disabled",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every container (init containers included) sets allowPrivilegeEscalation: false explicitly.",
    rationale="Without it a setuid binary in the image can gain more privileges than the container started with.",
    remediation="Set securityContext.allowPrivilegeEscalation: false on every container.",
    example="""
containers:
  - name: agent
    securityContext:
      allowPrivilegeEscalation: false
""",
)
def no_escalation(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            value = c.sc().get("allowPrivilegeEscalation")
            if value is not False:
                state = "is not set" if value is None else f"is {value}"
                path = (*c.sc_path, "allowPrivilegeEscalation")
                yield Hit(
                    f"container {c.name!r}: allowPrivilegeEscalation {state}",
                    view.obj,
                    path,
                    container=c.name,
                )


@check(
    "PSS-003",
    "Capabilities are dropped",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
    rationale="Default container capabilities (NET_RAW, CHOWN, SETUID...) enable spoofing and privilege tricks an agent never needs.",
    remediation="Set securityContext.capabilities.drop: [ALL] and remove every added capability except NET_BIND_SERVICE.",
    example="""
securityContext:
  capabilities:
    drop: [ALL]
""",
)
def capabilities(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            caps = as_dict(c.sc().get("capabilities"))
            drop = [str(x).upper() for x in as_list(caps.get("drop"))]
            if "ALL" not in drop:
                path = (*c.sc_path, "capabilities", "drop")
                yield Hit(
                    f"container {c.name!r} does not drop ALL capabilities",
                    view.obj,
                    path,
                    container=c.name,
                )
            for i, cap in enumerate(as_list(caps.get("add"))):
                if str(cap).upper().removeprefix("CAP_") != "NET_BIND_SERVICE":
                    path = (*c.sc_path, "capabilities", "add", i)
                    yield Hit(
                        f"container {c.name!r} adds capability {cap}",
                        view.obj,
                        path,
                        container=c.name,
                    )


@check(
    "PSS-004",
    "A seccomp profile is set",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="The pod (or every container) uses seccompProfile type RuntimeDefault or Localhost.",
    rationale="Seccomp blocks hundreds of rarely used syscalls that container escapes rely on; Unconfined turns it off.",
    remediation="Set securityContext.seccompProfile.type: RuntimeDefault at pod level.",
    example="""
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
""",
)
def seccomp(unit: Unit) -> Iterator[Hit]:
    ok = ("RuntimeDefault", "Localhost")
    for view in unit_pods(unit):
        pod_profile, pod_path = view.pod_sc("seccompProfile")
        pod_type = as_dict(pod_profile).get("type")
        missing = False
        for c in view.containers:
            prof = as_dict(c.sc().get("seccompProfile"))
            if prof.get("type") is not None:
                if prof["type"] not in ok:
                    path = (*c.sc_path, "seccompProfile", "type")
                    yield Hit(
                        f"container {c.name!r} uses seccomp profile {prof['type']}",
                        view.obj,
                        path,
                        container=c.name,
                    )
            elif pod_type not in ok:
                missing = True
        if missing:
            what = "not set" if pod_type is None else f"{pod_type}"
            yield Hit(
                f"pod seccomp profile is {what}",
                view.obj,
                (*pod_path, "type") if pod_type else pod_path,
            )


_NO_SUBSTITUTE = (
    "Remove {name}: an agent has no need for {what} and there is no safe substitute; "
    "a dependency that asks for it does not belong in the agent's pod."
)
PSS_005_FIXES = {
    "hostNetwork": (
        "Remove hostNetwork: the pod gets its own network namespace; expose the agent through a "
        "Service (agentctl build renders one), and reach the node's services through theirs."
    ),
    "hostPID": _NO_SUBSTITUTE.format(name="hostPID", what="the node's processes"),
    "hostIPC": _NO_SUBSTITUTE.format(name="hostIPC", what="the node's shared memory"),
    "hostPath": (
        "Replace the hostPath volume: a PersistentVolumeClaim for data that must last, an "
        "emptyDir for scratch space."
    ),
    "sysctl": (
        "Remove the sysctl, or use one of the safe set the restricted profile allows: "
        + ", ".join(sorted(SAFE_SYSCTLS))
        + "."
    ),
    "hostProcess": "Remove windowsOptions.hostProcess: run an ordinary Windows container.",
    "privileged": (
        "Remove privileged: true (a privileged container is root on the node); keep "
        "capabilities dropped and change the process so it needs none beyond NET_BIND_SERVICE."
    ),
    "procMount": "Remove procMount (or set it to Default), so /proc stays masked.",
    "hostPort": (
        "Remove hostPort: reach the container through a Service (agentctl build renders one) "
        "or kubectl port-forward, not a port on the node."
    ),
}


@check(
    "PSS-005",
    "No host access or privileged mode",
    "critical",
    kinds=WORKLOAD_KINDS,
    description="No privileged containers, hostNetwork/hostPID/hostIPC, hostPath volumes, hostPort, unsafe sysctls or Unmasked procMount.",
    rationale="Each of these hands the pod part of the node: a compromised agent becomes a compromised node and every pod on it.",
    remediation=(
        "Remove the setting. Only hostNetwork, hostPort and hostPath have substitutes (a Service; a "
        "PVC or emptyDir); privileged, hostPID, hostIPC, unsafe sysctls and procMount have none. "
        "Each finding names the fix for what it found."
    ),
    fixes=PSS_005_FIXES,
    example="""
spec:
  hostNetwork: false
  containers:
    - name: agent
      securityContext:
        privileged: false
""",
)
def host_access(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        obj = view.obj
        for name in ("hostNetwork", "hostPID", "hostIPC"):
            value, path = view.field(name)
            if value is True:
                yield Hit(f"{name}: true {_HOST_NS[name]}", obj, path, fix=name)
        for path, vol in view.volumes():
            if "hostPath" in vol:
                where = as_dict(vol["hostPath"]).get("path", "?")
                yield Hit(
                    f"volume {vol.get('name')!r} mounts the node's {where}",
                    obj,
                    (*path, "hostPath"),
                    fix="hostPath",
                )
        sysctls, spath = view.pod_sc("sysctls")
        for i, sysctl in enumerate(as_list(sysctls)):
            name = str(as_dict(sysctl).get("name", ""))
            if name not in SAFE_SYSCTLS:
                yield Hit(
                    f"sysctl {name} is not in the safe set: it can change the node's kernel",
                    obj,
                    (*spath, i, "name"),
                    fix="sysctl",
                )
        win, wpath = view.pod_sc("windowsOptions")
        if as_dict(win).get("hostProcess") is True:
            yield Hit(
                "windowsOptions.hostProcess: true runs on the host",
                obj,
                (*wpath, "hostProcess"),
                fix="hostProcess",
            )
        for c in view.containers:
            yield from _container_host_access(obj, c)


_HOST_NS = {
    "hostNetwork": "puts the pod on the node's network: it reaches every local-only service there",
    "hostPID": "shows the pod every process on the node, to read and signal",
    "hostIPC": "shares the node's IPC namespace: the pod reads other processes' shared memory",
}


def _container_host_access(obj: Obj, c: Container) -> Iterator[Hit]:
    sc = c.sc()
    if sc.get("privileged") is True:
        yield Hit(
            f"container {c.name!r} is privileged: every device and capability of the node",
            obj,
            (*c.sc_path, "privileged"),
            container=c.name,
            fix="privileged",
        )
    if sc.get("procMount") not in (None, "Default"):
        yield Hit(
            f"container {c.name!r} uses procMount {sc['procMount']}: /proc is not masked",
            obj,
            (*c.sc_path, "procMount"),
            container=c.name,
            fix="procMount",
        )
    if as_dict(sc.get("windowsOptions")).get("hostProcess") is True:
        path = (*c.sc_path, "windowsOptions", "hostProcess")
        yield Hit(
            f"container {c.name!r} runs as a host process",
            obj,
            path,
            container=c.name,
            fix="hostProcess",
        )
    for i, port in enumerate(as_list(c.data.get("ports"))):
        if as_dict(port).get("hostPort"):
            yield Hit(
                f"container {c.name!r} binds port {port['hostPort']} on the node",
                obj,
                (*c.path, "ports", i, "hostPort"),
                container=c.name,
                fix="hostPort",
            )


@check(
    "PSS-006",
    "Only restricted volume types",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="Volumes are of the restricted-profile types: "
    + ", ".join(sorted(RESTRICTED_VOLUME_TYPES))
    + ".",
    rationale="Other volume types (nfs, iscsi, cloud disks by id...) bypass the storage class and its access control.",
    remediation="Use a PersistentVolumeClaim (with a StorageClass) or a projected/configMap/secret volume instead.",
    example="""
volumes:
  - name: data
    persistentVolumeClaim:
      claimName: agent-data
""",
)
def volume_types(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for path, vol in view.volumes():
            for key in vol:
                if key in ("name", "hostPath") or key in RESTRICTED_VOLUME_TYPES:
                    continue
                yield Hit(
                    f"volume {vol.get('name')!r} has type {key}, not allowed by the restricted profile",
                    view.obj,
                    (*path, key),
                )


@check(
    "FS-001",
    "Root filesystem is read-only",
    "medium",
    kinds=WORKLOAD_KINDS,
    description="Every container sets readOnlyRootFilesystem: true.",
    rationale="A writable root lets an attacker (or a prompt-injected tool call) drop binaries and persist inside the container.",
    remediation="Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp).",
    example="""
containers:
  - name: agent
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:
      - {name: tmp, mountPath: /tmp}
volumes:
  - {name: tmp, emptyDir: {}}
""",
)
def read_only_root(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        for c in view.containers:
            if c.sc().get("readOnlyRootFilesystem") is not True:
                path = (*c.sc_path, "readOnlyRootFilesystem")
                yield Hit(
                    f"container {c.name!r} has a writable root filesystem",
                    view.obj,
                    path,
                    container=c.name,
                )
