"""A local Kubernetes control plane for the cluster tests, all on 127.0.0.1.

etcd (fresh data directory per session), kube-apiserver (client-certificate
auth, RBAC, PodSecurity admission as in a real cluster), kube-controller-manager,
kube-scheduler and kwok (simulated nodes: pods are scheduled and reach Running,
Job pods Succeeded). kwok runs no containers and there is no storage
provisioner, so the harness adds the small one kwok users add: it binds each
claim of the ``standard`` StorageClass to a volume it creates, and completes
expansions (the volume's and the claim's capacity grow, as the API shows a
finished resize). kwok also serves what a kubelet serves, on 127.0.0.1 at the
nodes' advertised port: pod logs (its ClusterLogs: every simulated container
logs ``ControlPlane.pod_log``) and port-forwards (its ClusterPortForward: to a
relay that tests point at a local process). Binaries come from
``hack/cluster/build.sh``.

Every process is started in its own session, recorded by pid, and stopped by
that pid only. ``python -m tests.cluster.harness`` starts one and waits (Ctrl-C stops it).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "hack" / "cluster" / "build.sh"
KWOK_STAGES = REPO / "hack" / "cluster" / "kwok-stages.yaml"
KWOK_STAGES_ARGO = REPO / "hack" / "cluster" / "kwok-stages-argo.yaml"
K8S_VERSION = os.environ.get("AGENTCTL_K8S_VERSION", "v1.37.2")
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
PROVISIONER = "agentctl.test/hostpath"
# what each simulated node offers; agents request ephemeral-storage, so it must be listed
NODE_RESOURCES = {"cpu": "32", "memory": "256Gi", "ephemeral-storage": "1Ti", "pods": "110"}
NODES = int(os.environ.get("AGENTCTL_CLUSTER_NODES", "3"))


def cache_root() -> Path:
    explicit = os.environ.get("AGENTCTL_CLUSTER_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agentctl" / "cluster"


# read once at import: tests later point HOME and XDG_CACHE_HOME at temporary directories
BIN_DIR = Path(os.environ.get("AGENTCTL_CLUSTER_BIN") or cache_root() / K8S_VERSION / "bin")


def built(bin_dir: Path = BIN_DIR) -> bool:
    return all(os.access(bin_dir / b, os.X_OK) for b in BINARIES)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def generate_pki(pki: Path) -> None:
    """A throw-away CA, serving certificate for 127.0.0.1, client certificates, SA key pair."""
    pki.mkdir(parents=True, exist_ok=True)

    def ca(name: str, cn: str) -> None:
        _openssl("genrsa", "-out", f"{name}.key", "2048", cwd=pki)
        _openssl(
            "req", "-x509", "-new", "-nodes", "-key", f"{name}.key", "-sha256", "-days", "30",
            "-subj", f"/CN={cn}", "-out", f"{name}.crt", cwd=pki,
        )  # fmt: skip

    def cert(name: str, subject: str, issuer: str, eku: str, san: str = "") -> None:
        _openssl("genrsa", "-out", f"{name}.key", "2048", cwd=pki)
        _openssl(
            "req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=pki
        )
        ext = [
            "basicConstraints=CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            f"extendedKeyUsage={eku}",
        ]
        if san:
            ext.append(f"subjectAltName={san}")
        (pki / f"{name}.ext").write_text("\n".join(ext) + "\n")
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.crt", "-CAkey", f"{issuer}.key",
            "-CAcreateserial", "-sha256", "-days", "30", "-extfile", f"{name}.ext", "-out",
            f"{name}.crt", cwd=pki,
        )  # fmt: skip

    ca("ca", "agentctl-test-ca")
    ca("front-proxy-ca", "agentctl-test-front-proxy-ca")
    cert(
        "apiserver", "/CN=kube-apiserver", "ca", "serverAuth",
        "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
        "IP:127.0.0.1,IP:10.96.0.1",
    )  # fmt: skip
    cert("admin", "/O=system:masters/CN=agentctl-test-admin", "ca", "clientAuth")
    cert("limited", "/CN=limited-user", "ca", "clientAuth")
    cert("kube-scheduler", "/CN=system:kube-scheduler", "ca", "clientAuth")
    cert("kube-controller-manager", "/CN=system:kube-controller-manager", "ca", "clientAuth")
    cert("kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "ca", "clientAuth")
    cert("front-proxy-client", "/CN=front-proxy-client", "front-proxy-ca", "clientAuth")
    # kwok's kubelet-like server (logs, port-forward), which the API server dials at 127.0.0.1
    cert("kwok-kubelet", "/CN=kwok-kubelet", "ca", "serverAuth", "IP:127.0.0.1,DNS:localhost")
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)


def kubeconfig(server: str, pki: Path, user: str, namespace: str = "default") -> dict[str, Any]:
    def b64(name: str) -> str:
        return base64.b64encode((pki / name).read_bytes()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "agentctl-test",
                "cluster": {"server": server, "certificate-authority-data": b64("ca.crt")},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": b64(f"{user}.crt"),
                    "client-key-data": b64(f"{user}.key"),
                },
            }
        ],
        "contexts": [
            {
                "name": f"agentctl-test-{user}",
                "context": {"cluster": "agentctl-test", "user": user, "namespace": namespace},
            }
        ],
        "current-context": f"agentctl-test-{user}",
    }


@dataclass
class ControlPlane:
    bin_dir: Path = BIN_DIR
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agentctl-k8s-")))
    nodes: int = NODES
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    api_port: int = 0
    kubelet_port: int = 0
    _provisioner: Provisioner | None = None
    _relay: Relay | None = None

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "admin.kubeconfig"

    @property
    def limited_kubeconfig(self) -> Path:
        """A user with only the rights tests grant it (RBAC): for 403s."""
        return self.root / "limited.kubeconfig"

    @property
    def pod_log(self) -> Path:
        """The file kwok serves as every container's log (CRI format): see ``write_pod_log``."""
        return self.root / "pod.log"

    def write_pod_log(self, *lines: str, stream: str = "stdout") -> None:
        """Append lines to what every simulated container logs (kwok's ClusterLogs)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self.pod_log.open("a", encoding="utf-8") as f:
            for line in lines:
                f.write(f"{stamp}.{time.time_ns() % 10**9:09d}Z {stream} F {line}\n")

    def forward_to(self, port: int | None) -> None:
        """Where a port-forward to any simulated pod lands: 127.0.0.1:port (None: refused)."""
        assert self._relay is not None, "start the control plane first"
        self._relay.point_at(port)

    def logs(self, name: str) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def _launch(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        out = (logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [str(self.bin_dir / name), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=None if env is None else {**os.environ, **env},
        )
        self.procs[name] = proc
        (self.root / f"{name}.pid").write_text(str(proc.pid))

    def _wait(self, what: str, check: Any, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.logs(name)}")
            with contextlib.suppress(Exception):
                if check():
                    return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}")

    def start(self) -> ControlPlane:
        if not built(self.bin_dir):
            raise RuntimeError(f"control plane not built in {self.bin_dir}: run {BUILD}")
        pki = self.root / "pki"
        generate_pki(pki)
        etcd_port, peer_port, self.api_port = free_port(), free_port(), free_port()
        self._launch(
            "etcd",
            "--name=agentctl-test",
            f"--data-dir={self.root / 'etcd'}",
            f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
            f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
            f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
            f"--initial-cluster=agentctl-test=http://127.0.0.1:{peer_port}",
            "--initial-cluster-state=new",
            "--unsafe-no-fsync",
            "--log-level=warn",
        )
        self._launch(
            "kube-apiserver",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.api_port}",
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            "--authorization-mode=Node,RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--api-audiences=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/12",
            "--endpoint-reconciler-type=none",
            f"--kubelet-client-certificate={pki / 'kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'kubelet-client.key'}",
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
        )
        for user, path in (("admin", self.kubeconfig), ("limited", self.limited_kubeconfig)):
            path.write_text(yaml.safe_dump(kubeconfig(self.server, pki, user)))
        for component in ("kube-controller-manager", "kube-scheduler"):
            (self.root / f"{component}.kubeconfig").write_text(
                yaml.safe_dump(kubeconfig(self.server, pki, component))
            )
        self._wait("kube-apiserver /readyz", lambda: self.get("/readyz") == b"ok")
        cm_kc = self.root / "kube-controller-manager.kubeconfig"
        self._launch(
            "kube-controller-manager",
            f"--kubeconfig={cm_kc}",
            f"--authentication-kubeconfig={cm_kc}",
            f"--authorization-kubeconfig={cm_kc}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--leader-elect=false",
            "--controllers=*",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            "--allocate-node-cidrs=false",
            "--service-cluster-ip-range=10.96.0.0/12",
            "--v=1",
        )
        sched_kc = self.root / "kube-scheduler.kubeconfig"
        self._launch(
            "kube-scheduler",
            f"--kubeconfig={sched_kc}",
            f"--authentication-kubeconfig={sched_kc}",
            f"--authorization-kubeconfig={sched_kc}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--leader-elect=false",
            "--v=1",
        )
        self.kubelet_port = free_port()
        self._relay = Relay()
        self.pod_log.touch()
        debug = self.root / "kwok-debugging.yaml"
        debug.write_text(yaml.safe_dump_all(kwok_debugging(self.pod_log, self._relay.port)))
        self._launch(
            "kwok",
            f"--config={KWOK_STAGES}",
            f"--config={KWOK_STAGES_ARGO}",
            f"--config={debug}",
            f"--server-address=127.0.0.1:{self.kubelet_port}",
            f"--node-port={self.kubelet_port}",
            f"--tls-cert-file={pki / 'kwok-kubelet.crt'}",
            f"--tls-private-key-file={pki / 'kwok-kubelet.key'}",
            f"--kubeconfig={self.kubeconfig}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--manage-nodes-with-label-selector=",
            "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
            "--disregard-status-with-label-selector=",
            "--cidr=10.244.0.1/16",
            "--node-ip=127.0.0.1",
            "--node-lease-duration-seconds=40",
        )
        self._setup_cluster()
        self._provisioner = Provisioner(self)
        self._provisioner.start()
        return self

    def get(self, path: str) -> bytes:
        """GET a path as the admin user (for health checks before any client is set up)."""
        pki = self.root / "pki"
        ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        with urllib.request.urlopen(self.server + path, context=ctx, timeout=5) as resp:
            return bytes(resp.read())

    def api(self) -> Any:
        from kubernetes import config

        return config.new_client_from_config(str(self.kubeconfig))

    def _setup_cluster(self) -> None:
        from kubernetes import client

        api = self.api()
        core, storage = client.CoreV1Api(api), client.StorageV1Api(api)
        for i in range(self.nodes):
            core.create_node(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": f"kwok-node-{i}",
                        "annotations": {
                            "kwok.x-k8s.io/node": "fake",
                            "node.alpha.kubernetes.io/ttl": "0",
                        },
                        "labels": {
                            "kubernetes.io/hostname": f"kwok-node-{i}",
                            "kubernetes.io/os": "linux",
                            "kubernetes.io/arch": "amd64",
                            "type": "kwok",
                        },
                    },
                    "status": {
                        "allocatable": NODE_RESOURCES,
                        "capacity": NODE_RESOURCES,
                    },
                }
            )
        for name, expand, default in (("standard", True, True), ("fixed", False, False)):
            storage.create_storage_class(
                {
                    "apiVersion": "storage.k8s.io/v1",
                    "kind": "StorageClass",
                    "metadata": {
                        "name": name,
                        "annotations": {
                            "storageclass.kubernetes.io/is-default-class": str(default).lower()
                        },
                    },
                    "provisioner": PROVISIONER,
                    "allowVolumeExpansion": expand,
                    "volumeBindingMode": "Immediate",
                    "reclaimPolicy": "Delete",
                }
            )

        def ready() -> bool:
            core.read_namespaced_service_account("default", "default")
            nodes = core.list_node(label_selector="type=kwok").items
            return (
                sum(
                    1
                    for n in nodes
                    if any(
                        c.type == "Ready" and c.status == "True" for c in n.status.conditions or []
                    )
                    and not n.spec.taints
                )
                >= self.nodes
            )

        self._wait("service accounts and Ready kwok nodes", ready)

    def stop(self) -> None:
        if self._provisioner is not None:
            self._provisioner.stop()
        if self._relay is not None:
            self._relay.close()
        core = ("kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd")
        for name in [n for n in self.procs if n not in core] + list(core):  # controllers first
            self.stop_process(name)
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_process(self, name: str) -> None:
        """Stop one process this control plane started, by its pid."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kwok_debugging(log_file: Path, forward_port: int) -> list[dict[str, Any]]:
    """kwok's ClusterLogs and ClusterPortForward (kwok.x-k8s.io/v1alpha1, loaded by --config):
    every simulated container's log is ``log_file``, and a port-forward to any port of any
    simulated pod is a TCP connection to 127.0.0.1:``forward_port`` (the harness's relay)."""
    return [
        {
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "ClusterLogs",
            "metadata": {"name": "agentctl-test-logs"},
            "spec": {"logs": [{"logsFile": str(log_file), "follow": True}]},
        },
        {
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "ClusterPortForward",
            "metadata": {"name": "agentctl-test-port-forward"},
            "spec": {"forwards": [{"target": {"address": "127.0.0.1", "port": forward_port}}]},
        },
    ]


class Relay:
    """A TCP relay on 127.0.0.1 that kwok's port-forwards dial; tests point it at a local
    process with ``ControlPlane.forward_to`` (kwok's configuration is fixed when it starts).
    Without a target it does not listen, so kwok's dial is refused, as a pod's closed port is."""

    def __init__(self) -> None:
        self.port = free_port()
        self.target: int | None = None
        self._listener: socket.socket | None = None

    def point_at(self, target: int | None) -> None:
        self.target = target
        if target is None:
            self.close()
        elif self._listener is None:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(16)
            self._listener = listener
            threading.Thread(
                target=self._accept, args=(listener,), name="test-relay", daemon=True
            ).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            target = self.target
            try:
                if target is None:
                    raise ConnectionRefusedError
                upstream = socket.create_connection(("127.0.0.1", target), timeout=5)
            except OSError:
                conn.close()
                continue
            upstream.settimeout(None)
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


class Provisioner:
    """Binds claims of the harness's StorageClasses and completes their expansion."""

    def __init__(self, cp: ControlPlane) -> None:
        self.cp = cp
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="test-provisioner", daemon=True)
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        from kubernetes import client

        api = self.cp.api()
        core, storage = client.CoreV1Api(api), client.StorageV1Api(api)
        while not self._stop.wait(0.3):
            try:
                self._once(core, storage)
            except Exception as exc:  # keep serving; the tests see what the API shows
                self.errors.append(repr(exc)[:300])

    def _once(self, core: Any, storage: Any) -> None:
        ours = {
            sc.metadata.name
            for sc in storage.list_storage_class().items
            if sc.provisioner == PROVISIONER
        }
        for pvc in core.list_persistent_volume_claim_for_all_namespaces().items:
            sc = pvc.spec.storage_class_name
            if sc not in ours or pvc.metadata.deletion_timestamp:
                continue
            want = pvc.spec.resources.requests["storage"]
            pv_name = f"pv-{pvc.metadata.uid}"
            if pvc.status.phase == "Pending" and not pvc.spec.volume_name:
                with contextlib.suppress(client_conflict()):
                    core.create_persistent_volume(
                        {
                            "apiVersion": "v1",
                            "kind": "PersistentVolume",
                            "metadata": {
                                "name": pv_name,
                                "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER},
                            },
                            "spec": {
                                "capacity": {"storage": want},
                                "accessModes": pvc.spec.access_modes,
                                "storageClassName": sc,
                                "persistentVolumeReclaimPolicy": "Delete",
                                "hostPath": {"path": f"/tmp/agentctl-test-volumes/{pv_name}"},
                                "claimRef": {
                                    "apiVersion": "v1",
                                    "kind": "PersistentVolumeClaim",
                                    "namespace": pvc.metadata.namespace,
                                    "name": pvc.metadata.name,
                                    "uid": pvc.metadata.uid,
                                },
                            },
                        }
                    )
                continue
            have = (pvc.status.capacity or {}).get("storage")
            if pvc.status.phase == "Bound" and have and _bytes(want) > _bytes(have):
                # an external resizer's work: grow the volume, then report the claim's capacity
                core.patch_persistent_volume(
                    pvc.spec.volume_name, {"spec": {"capacity": {"storage": want}}}
                )
                core.patch_namespaced_persistent_volume_claim_status(
                    pvc.metadata.name,
                    pvc.metadata.namespace,
                    {"status": {"capacity": {"storage": want}, "conditions": None}},
                )


def wait_until(what: str, check: Any, timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something truthy (returned), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def client_conflict() -> type[Exception]:
    from kubernetes.client.exceptions import ApiException

    return ApiException


def _bytes(q: str) -> int:
    from agentctl.spec.units import memory_bytes

    return memory_bytes(q)


def main() -> None:
    with ControlPlane() as cp:
        print(f"KUBECONFIG={cp.kubeconfig}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
