"""`spinecare triage` runs the bot's classifier on lines of text, for clinicians to review."""

from __future__ import annotations

import json

from tests.support.cli import Ran, run


def triage(*args: str, stdin: str = "") -> Ran:
    return run("triage", *args, env={}, stdin=stdin.encode())


def test_json_output_has_one_object_per_line_with_the_stable_keys() -> None:
    result = triage("--json", stdin="소변이 안 나와요\n\n열심히 걷고 있어요\n")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [set(r) for r in records] == [{"text", "tier", "flags", "evidence"}] * 2
    urine, walking = records
    assert urine["tier"] == "red" and 1 in urine["flags"] and urine["evidence"]
    assert walking == {"text": "열심히 걷고 있어요", "tier": "green", "flags": [], "evidence": []}


def test_text_option_classifies_one_message() -> None:
    result = triage("--text", "fever 38.9 and my neck is stiff", "--json")
    assert json.loads(result.stdout)["tier"] == "red"
