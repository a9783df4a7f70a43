"""Eval-set cases: parsing with positions, judging a run, and the regression test."""

from __future__ import annotations

import pytest
from eval_spanfactory import run

from agentctl.errors import SpecError
from agentctl.eval.cases import RunObservation, fisher_one_sided, judge, parse_eval_set
from agentctl.eval.evalset_report import _verdict
from agentctl.spec.yamlsafe import parse_documents


def _cases(text: str):
    return parse_eval_set(parse_documents(text, "evals/x.yaml")[0])


def test_cases_parse_and_bad_fields_are_located() -> None:
    (c,) = _cases("cases:\n  - name: a\n    input: hi\n    expect: {tools: [t], maxSteps: 2}\n")
    assert (c.case.name, c.line, c.case.expect.max_steps) == ("a", 2, 2)
    with pytest.raises(SpecError) as err:
        _cases("cases:\n  - name: a\n    expect:\n      answer: {contain: [x]}\n")
    assert err.value.problems[0].format().startswith("evals/x.yaml:4:")
    assert "cases.0.expect.answer.contain" in err.value.problems[0].format().replace("[0]", ".0")
    with pytest.raises(SpecError, match="duplicate case name"):
        _cases("cases:\n  - {name: a}\n  - {name: a}\n")
    with pytest.raises(SpecError, match="invalid regex"):
        _cases("cases:\n  - {name: a, expect: {answer: {regex: '('}}}\n")


def _obs(tools, answer="the total is 17", ok=True):
    spans = run("c1", tools=tools)
    for i, s in enumerate(spans[2:]):
        s.start_unix_nano += 10 * i
        s.end_unix_nano += 10 * i
    return RunObservation(ok, answer, spans, 1.0)


@pytest.mark.parametrize(
    ("expect", "tools", "failure"),
    [
        ("{tools: [a, b]}", [("a", "ok"), ("b", "ok")], None),
        ("{tools: [b, a]}", [("a", "ok"), ("b", "ok")], "expected tools ['b', 'a'] (in-order)"),
        ("{tools: [b, a], toolOrder: any}", [("a", "ok"), ("b", "ok")], None),
        ("{tools: [a], toolOrder: exact}", [("a", "ok"), ("b", "ok")], "(exact)"),
        ("{tools: [a]}", [("a", "error"), ("b", "ok")], "every call of a failed"),
        ("{tools: [b]}", [("a", "ok"), ("b", "error")], "unrecovered failure of tool b"),
        ("{answer: {contains: ['17']}}", [], None),
        ("{answer: {contains: ['18']}}", [], "answer does not contain '18'"),
        ("{answer: {regex: 'total is \\d+$'}}", [], None),
        ("{answer: {jsonSchema: {type: object}}}", [], "answer is not JSON"),
        ("{maxToolCalls: 1}", [("a", "ok"), ("b", "ok")], "2 tool calls, more than maxToolCalls 1"),
        ("{maxSeconds: 0.5}", [], "took 1.0s"),
    ],
)
def test_a_run_is_judged_against_its_case(expect: str, tools, failure: str | None) -> None:
    (c,) = _cases(f"cases:\n  - name: c\n    expect: {expect}\n")
    result = judge(c.case, _obs(tools), 1)
    if failure is None:
        assert result.passed, result.failures
    else:
        assert not result.passed and any(failure in f for f in result.failures), result.failures


def test_a_planted_regression_is_significant_and_noise_is_not() -> None:
    assert _verdict(10, 10, 0, 10, 0.05, 10)["status"] == "regression"
    assert _verdict(20, 20, 14, 20, 0.05, 10)["status"] == "regression"
    assert _verdict(10, 10, 9, 10, 0.05, 10)["status"] == "ok"
    assert _verdict(18, 20, 16, 20, 0.05, 10)["status"] == "ok"
    assert _verdict(5, 5, 0, 5, 0.05, 10)["status"] == "insufficient"  # below the minimum
    # Fisher's exact p for 10/10 vs 0/10 is 1/C(20,10)
    assert fisher_one_sided(10, 10, 0, 10) == pytest.approx(1 / 184756)
    assert fisher_one_sided(5, 10, 10, 10) == pytest.approx(1.0)


def test_an_invalid_answer_schema_is_the_evalset_s_error_at_load() -> None:
    with pytest.raises(SpecError) as err:
        _cases("cases:\n  - name: a\n    expect:\n      answer:\n        jsonSchema: {type: 5}\n")
    line = err.value.problems[0].format()
    assert line.startswith("evals/x.yaml:5:"), line
    assert "jsonSchema" in line and "not a valid JSON schema: 5 is not valid" in line, line
    assert "\n" not in line


def test_an_answer_schema_referring_elsewhere_is_refused_without_fetching_it() -> None:
    from http.server import BaseHTTPRequestHandler

    from tests.fakes.loopback import serve

    asked: list[str] = []

    class Recording(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            asked.append(self.path)
            body = b'{"type": "object"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = serve(Recording)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/x.json"
    try:
        for ref in (url, "file:///etc/hostname"):
            with pytest.raises(SpecError) as err:
                _cases(
                    "cases:\n  - name: a\n    expect:\n      answer:\n"
                    f"        jsonSchema: {{$ref: '{ref}'}}\n"
                )
            line = err.value.problems[0].format()
            assert f"{ref} is not fetched" in line, line
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert asked == []
