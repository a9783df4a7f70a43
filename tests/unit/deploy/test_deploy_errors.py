"""Error responses explained: which field, which manager, which verb and identity."""

from __future__ import annotations

import json

import pytest

from agentctl.deploy import errors as kerr
from agentctl.deploy.errors import RequestInfo, from_response

PATCH_STS = RequestInfo(
    "PATCH",
    "/apis/apps/v1/namespaces/ns/statefulsets/a",
    "patch",
    "statefulsets.apps",
    "ns",
    "a",
    "StatefulSet",
)


def status(code: int, reason: str, message: str, **details: object) -> str:
    return json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "code": code,
            "reason": reason,
            "message": message,
            "details": details,
        }
    )


def test_conflict_lists_every_field_and_manager() -> None:
    body = status(
        409,
        "Conflict",
        "Apply failed with 2 conflicts: ...",
        causes=[
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl-edit" using apps/v1',
                "field": ".spec.replicas",
            },
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "hpa-controller" with subresource "scale" using apps/v1',
                "field": '.spec.template.spec.containers[name="agent"].image',
            },
        ],
    )
    err = from_response(409, body, {}, PATCH_STS)
    assert isinstance(err, kerr.Conflict) and err.exit_code == 3
    assert (
        err.message
        == 'StatefulSet/a in namespace ns: apply conflict: 2 fields are managed by "kubectl-edit", "hpa-controller"'
    )
    assert err.lines()[1:] == [
        'StatefulSet/a in namespace ns: field .spec.replicas is managed by "kubectl-edit"',
        'StatefulSet/a in namespace ns: field .spec.template.spec.containers[name="agent"].image is managed by "hpa-controller" (subresource "scale")',
    ]
    assert "--force-conflicts" in (err.hint or "")


def test_already_exists_is_not_a_field_conflict() -> None:
    err = from_response(
        409, status(409, "AlreadyExists", 'jobs.batch "x" already exists'), {}, PATCH_STS
    )
    assert isinstance(err, kerr.AlreadyExists)


def test_invalid_names_each_field() -> None:
    body = status(
        422,
        "Invalid",
        'StatefulSet.apps "a" is invalid: [spec.replicas: Invalid value: -1: must be >= 0, metadata.labels: Invalid value: "x y"]',
        causes=[
            {"field": "spec.replicas", "message": "Invalid value: -1: must be >= 0"},
            {"field": "metadata.labels", "message": 'Invalid value: "x y"'},
        ],
    )
    err = from_response(422, body, {}, PATCH_STS)
    assert isinstance(err, kerr.Invalid)
    assert (
        err.message
        == "rejected by the API server: StatefulSet/a in namespace ns: spec.replicas: Invalid value: -1: must be >= 0"
    )
    assert err.lines()[1] == 'StatefulSet/a in namespace ns: metadata.labels: Invalid value: "x y"'
    assert err.lines()[-1].startswith("server said: StatefulSet.apps")


def test_forbidden_takes_the_identity_from_the_server() -> None:
    message = 'statefulsets.apps "a" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "statefulsets" in API group "apps" in the namespace "ns"'
    err = from_response(
        403, status(403, "Forbidden", message), {}, PATCH_STS, identity="kubeconfig-user"
    )
    assert isinstance(err, kerr.Forbidden)
    assert (
        err.message
        == 'forbidden: user "system:serviceaccount:ci:deployer" may not patch statefulsets.apps in namespace "ns" (StatefulSet/a)'
    )
    assert (
        err.hint
        == "ask a cluster admin for this permission; check it with `kubectl auth can-i patch statefulsets.apps -n ns`"
    )


def test_forbidden_without_a_user_in_the_message_uses_the_kubeconfig_user() -> None:
    info = RequestInfo("GET", "/api/v1/configmaps", "list", "configmaps")
    err = from_response(403, status(403, "Forbidden", "forbidden"), {}, info, identity="ci-bot")
    assert err.message == 'forbidden: user "ci-bot" may not list configmaps at cluster scope'


def test_unauthorized_suggests_refreshing_credentials() -> None:
    err = from_response(
        401,
        status(401, "Unauthorized", "Unauthorized"),
        {},
        PATCH_STS,
        identity="me",
        server="https://k8s:6443",
        context="prod",
    )
    assert (
        err.message
        == "the cluster at https://k8s:6443 rejected the credentials of user me (context prod): 401 Unauthorized"
    )
    assert "expired" in (err.hint or "")


def test_throttling_and_server_errors_are_retriable_and_carry_retry_after() -> None:
    t = from_response(
        429, status(429, "TooManyRequests", "slow down"), {"Retry-After": "4"}, PATCH_STS
    )
    assert isinstance(t, kerr.Throttled) and t.retriable and t.retry_after == 4.0
    s = from_response(503, "<html>bad gateway</html>", {}, PATCH_STS)
    assert isinstance(s, kerr.ServerError) and s.retriable and "bad gateway" in s.message
    assert not from_response(400, status(400, "BadRequest", "no"), {}, PATCH_STS).retriable
    assert not from_response(404, status(404, "NotFound", "gone"), {}, PATCH_STS).retriable


def test_missing_namespace_is_said_plainly() -> None:
    body = status(404, "NotFound", 'namespaces "ns" not found', name="ns", kind="namespaces")
    assert (
        from_response(404, body, {}, PATCH_STS).message
        == "StatefulSet/a in namespace ns: namespace ns does not exist"
    )


def test_many_failures_keep_every_line_and_the_worst_exit_code() -> None:
    a = kerr.Forbidden("forbidden: a", status=403)
    b = kerr.Invalid("invalid: b", status=422, details=["more about b"])
    many = kerr.ManyFailures([a, b])
    assert many.message == "forbidden: a (and 1 more)"
    assert many.lines() == ["forbidden: a", "invalid: b", "more about b"]
    assert many.exit_code == 3 and len(many.to_dict()["failures"]) == 2


def test_endpoints_are_shown_without_user_info_or_query() -> None:
    from agentctl.deploy.errors import redirected
    from agentctl.urls import without_userinfo

    assert without_userinfo("https://user:pass@127.0.0.1:1/p") == "https://127.0.0.1:1/p"
    assert without_userinfo("https://127.0.0.1:1") == "https://127.0.0.1:1"
    assert without_userinfo("not a url") == "not a url"
    err = redirected("https://k:6443", "x", 307, "http://u:pw@other:8/stolen?sig=s3cr3t")
    assert err.message == (
        "https://k:6443 (context x) answered 307 (redirect to http://other:8/stolen); "
        "agentctl does not follow redirects"
    )
    assert err.exit_code == 3


GET_CM = RequestInfo(
    "GET", "/api/v1/namespaces/ns/configmaps/a", "get", "configmaps", "ns", "a", "ConfigMap"
)


@pytest.mark.parametrize("code", [400, 403, 404, 409, 410, 422, 429, 500, 503])
@pytest.mark.parametrize(
    "doc",
    [
        {"kind": "Status", "message": "m", "details": {"causes": 5}},
        {"kind": "Status", "message": "m", "details": {"causes": True}},
        {"kind": "Status", "message": "m", "details": {"causes": [{"field": {"a": 1}}]}},
        {"kind": "Status", "message": ["m"], "reason": {"r": 1}, "details": [1]},
        {"kind": "Status", "message": "m", "details": {"retryAfterSeconds": 10**400}},
        {"kind": "Status", "details": {"kind": "namespaces", "name": ["x"]}},
    ],
)
def test_a_status_of_another_shape_is_still_one_explained_error(
    code: int, doc: dict[str, object]
) -> None:
    err = kerr.from_response(code, json.dumps(doc), {}, GET_CM, server="https://h")
    assert err.status == code and err.exit_code == 3
    assert all("\n" not in line for line in err.lines())


def test_what_the_server_said_is_one_short_printable_line() -> None:
    body = status(500, "Internal\nError", "line one\nline two\x1b[31m red" + "m" * 10_000 + " why")
    err = kerr.from_response(500, body, {}, GET_CM, server="https://h")
    (line,) = err.lines()
    assert line.startswith(
        "the API server failed ConfigMap/a in namespace ns (500 Internal Error): "
        "line one line two?[31m red"
    )
    assert " ... " in line and line.endswith("m why") and len(line) < 700


def test_causes_shown_are_bounded() -> None:
    causes = [{"field": f"spec.f{i}", "message": "bad"} for i in range(10_000)]
    err = kerr.from_response(422, status(422, "Invalid", "m", causes=causes), {}, GET_CM)
    assert len(err.lines()) <= kerr.MAX_CAUSES + 2


@pytest.mark.parametrize("value", ["1" + "0" * 400, str(10**20)])
def test_a_retry_after_past_any_budget_is_a_day(value: str) -> None:
    from agentctl.deploy.retry import parse_retry_after

    assert parse_retry_after(value) == 86400.0
