"""The SQL of the cost rollups (see :mod:`agentctl.telemetry.rollup`), over the store's ``spans`` table."""

from __future__ import annotations

# Bump when a table's shape or meaning changes: the rollups are then dropped and
# rebuilt from the spans present. 2: cost_runs.status is the trace's status
# (traces.summary: error when any span errored), cost_compute has no errors.
ROLLUP_VERSION = "2"
NS_HOUR = 3600 * 10**9
NS_DAY = 24 * NS_HOUR
LLM_SQL = (
    "(operation IN ('chat','text_completion','generate_content','embeddings') "
    "OR (operation IS NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL)))"
)
AGENT_SQL = "coalesce(agent_name, service_name, '')"
# The columns of spans the rollups read (checked for damage before they are summed)
SPANS_READ = (
    "trace_id", "parent_span_id", "start_ns", "end_ns", "status", "agent_name", "service_name",
    "agent_version", "team", "operation", "provider", "request_model", "response_model",
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "resource_id",
)  # fmt: skip

SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.cost_state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS {s}.cost_usage (
  hour INTEGER NOT NULL, agent TEXT NOT NULL, version TEXT NOT NULL, team TEXT NOT NULL,
  provider TEXT NOT NULL, model TEXT NOT NULL, calls INTEGER NOT NULL,
  input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL,
  cache_write INTEGER NOT NULL, reasoning INTEGER NOT NULL, min_input INTEGER NOT NULL, max_input INTEGER NOT NULL,
  PRIMARY KEY (hour, agent, version, team, provider, model)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS {s}.cost_compute (
  hour INTEGER NOT NULL, agent TEXT NOT NULL, version TEXT NOT NULL, team TEXT NOT NULL,
  resource_id INTEGER NOT NULL, runs INTEGER NOT NULL, run_ns INTEGER NOT NULL,
  PRIMARY KEY (hour, agent, version, team, resource_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS {s}.cost_runs (
  trace_id TEXT PRIMARY KEY, has_root INTEGER NOT NULL DEFAULT 0, start_ns INTEGER, end_ns INTEGER,
  agent TEXT, version TEXT, team TEXT, status TEXT, resource_id INTEGER,
  llm_usd REAL NOT NULL DEFAULT 0, llm_calls INTEGER NOT NULL DEFAULT 0,
  unpriced_calls INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS {s}.cost_prices (
  provider TEXT NOT NULL, model TEXT NOT NULL, day INTEGER NOT NULL, entry TEXT NOT NULL,
  PRIMARY KEY (provider, model, day)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS {s}.cost_usage_day ON cost_usage (hour / 24, agent, version, team, provider, model,
  hour, calls, input, output, cache_read, cache_write, reasoning, min_input, max_input);
CREATE INDEX IF NOT EXISTS {s}.cost_runs_start ON cost_runs (start_ns);
CREATE INDEX IF NOT EXISTS {s}.cost_runs_llm ON cost_runs (llm_usd);
CREATE INDEX IF NOT EXISTS {s}.cost_runs_dur ON cost_runs ((end_ns - start_ns));
"""

# Token counts as priced: input includes the cache (added back when a span
# counted it apart, Anthropic style), output includes reasoning.
CR = "coalesce(cache_read_tokens, 0)"
CW = "coalesce(cache_write_tokens, 0)"
RS = "coalesce(reasoning_tokens, 0)"
INP = f"(coalesce(input_tokens, 0) + CASE WHEN {CR} + {CW} > coalesce(input_tokens, 0) THEN {CR} + {CW} ELSE 0 END)"
OUT = f"max(coalesce(output_tokens, 0), {RS})"
MODEL = "coalesce(response_model, request_model, '')"

USAGE_SELECT = f"""SELECT start_ns / {NS_HOUR} AS hour, {AGENT_SQL} AS agent, coalesce(agent_version, '') AS version,
  coalesce(team, '') AS team, coalesce(provider, '') AS provider, {MODEL} AS model, count(*) AS calls,
  sum({INP}) AS input, sum({OUT}) AS output, sum({CR}) AS cache_read, sum({CW}) AS cache_write,
  sum({RS}) AS reasoning, min({INP}) AS min_input, max({INP}) AS max_input
FROM spans WHERE {{where}} AND {LLM_SQL} GROUP BY 1, 2, 3, 4, 5, 6"""
COMPUTE_SELECT = f"""SELECT start_ns / {NS_HOUR}, {AGENT_SQL}, coalesce(agent_version, ''), coalesce(team, ''),
  coalesce(resource_id, 0), count(*), sum(max(0, end_ns - start_ns))
FROM spans WHERE {{where}} AND parent_span_id IS NULL GROUP BY 1, 2, 3, 4, 5"""

UPSERT_USAGE = """INSERT INTO {s}.cost_usage {select}
ON CONFLICT DO UPDATE SET calls = calls + excluded.calls, input = input + excluded.input,
  output = output + excluded.output, cache_read = cache_read + excluded.cache_read,
  cache_write = cache_write + excluded.cache_write, reasoning = reasoning + excluded.reasoning,
  min_input = min(min_input, excluded.min_input), max_input = max(max_input, excluded.max_input)"""
UPSERT_COMPUTE = """INSERT INTO {s}.cost_compute {select}
ON CONFLICT DO UPDATE SET runs = runs + excluded.runs, run_ns = run_ns + excluded.run_ns"""
# A run's status is its trace's (the definition in traces.summary): error
# when any span of the trace ended in error, else ok. Spans arrive in any
# order, so an error seen once sticks, whichever span brings it.
UPSERT_ROOTS = f"""INSERT INTO {{s}}.cost_runs (trace_id, has_root, start_ns, end_ns, agent, version, team, status,
  resource_id)
SELECT trace_id, 1, start_ns, end_ns, {AGENT_SQL}, coalesce(agent_version, ''), coalesce(team, ''),
  CASE WHEN status = 'error' THEN 'error' ELSE 'ok' END, coalesce(resource_id, 0)
FROM spans WHERE {{where}} AND parent_span_id IS NULL
ON CONFLICT DO UPDATE SET has_root = 1, start_ns = excluded.start_ns, end_ns = excluded.end_ns,
  agent = excluded.agent, version = excluded.version, team = excluded.team,
  status = CASE WHEN cost_runs.status = 'error' THEN 'error' ELSE excluded.status END,
  resource_id = excluded.resource_id"""
# One row per trace of a batch the receiver adds from memory (rollup.CostRollup._add): what
# UPSERT_ROOTS, UPSERT_ERRORS and UPSERT_RUN_COST do to it, in one statement. has_root and
# the root's columns come from the batch's last root span, if it has one; status is
# 'error' when any span of the batch errored, else 'ok' with a root, else NULL.
UPSERT_RUN = """INSERT INTO main.cost_runs (trace_id, has_root, start_ns, end_ns, agent, version, team, status,
  resource_id, llm_usd, llm_calls, unpriced_calls, tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT DO UPDATE SET has_root = max(has_root, excluded.has_root),
  start_ns = CASE WHEN excluded.has_root THEN excluded.start_ns ELSE start_ns END,
  end_ns = CASE WHEN excluded.has_root THEN excluded.end_ns ELSE end_ns END,
  agent = CASE WHEN excluded.has_root THEN excluded.agent ELSE agent END,
  version = CASE WHEN excluded.has_root THEN excluded.version ELSE version END,
  team = CASE WHEN excluded.has_root THEN excluded.team ELSE team END,
  resource_id = CASE WHEN excluded.has_root THEN excluded.resource_id ELSE resource_id END,
  status = CASE WHEN cost_runs.status = 'error' OR excluded.status = 'error' THEN 'error'
    WHEN excluded.has_root THEN excluded.status ELSE cost_runs.status END,
  llm_usd = llm_usd + excluded.llm_usd, llm_calls = llm_calls + excluded.llm_calls,
  unpriced_calls = unpriced_calls + excluded.unpriced_calls, tokens = tokens + excluded.tokens"""
UPSERT_ERRORS = """INSERT INTO {s}.cost_runs (trace_id, status)
SELECT DISTINCT trace_id, 'error' FROM spans WHERE {where} AND status = 'error'
ON CONFLICT DO UPDATE SET status = 'error'"""
# A call's cost with linear rates; calls without usage cost nothing (no per-request fee guessed).
CALL_USD = f"""CASE WHEN {INP} + {OUT} = 0 OR r.day IS NULL THEN 0 ELSE
  r.fee + ({INP} - {CR} - {CW}) * r.r_in + {CR} * r.r_cr + {CW} * r.r_cw
  + ({OUT} - {RS}) * r.r_out + {RS} * r.r_rs END"""
UPSERT_RUN_COST = f"""INSERT INTO {{s}}.cost_runs (trace_id, llm_usd, llm_calls, unpriced_calls, tokens)
SELECT trace_id, sum({CALL_USD}), count(*), sum(r.day IS NULL AND {INP} + {OUT} > 0), sum({INP} + {OUT})
FROM spans LEFT JOIN temp.cost_rates r ON r.provider = coalesce(spans.provider, '') AND r.model = {MODEL}
  AND r.day = spans.start_ns / {NS_DAY} AND {INP} > r.lo AND {INP} <= r.hi
WHERE {{where}} AND {LLM_SQL} GROUP BY trace_id
ON CONFLICT DO UPDATE SET llm_usd = llm_usd + excluded.llm_usd, llm_calls = llm_calls + excluded.llm_calls,
  unpriced_calls = unpriced_calls + excluded.unpriced_calls, tokens = tokens + excluded.tokens"""
TABLES = ("cost_state", "cost_usage", "cost_compute", "cost_runs", "cost_prices")
RATES_TABLE = """CREATE TEMP TABLE IF NOT EXISTS cost_rates (
  provider TEXT NOT NULL, model TEXT NOT NULL, day INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
  fee REAL, r_in REAL, r_cr REAL, r_cw REAL, r_out REAL, r_rs REAL, PRIMARY KEY (provider, model, day, lo))"""
