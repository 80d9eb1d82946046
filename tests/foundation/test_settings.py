"""Settings: defaults, parsing, and one clear line naming the variable when a value is bad."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from care.domain.errors import ConfigError
from care.settings import load_settings

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_workdir: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SPINECARE_"):
            monkeypatch.delenv(name)


def test_defaults_run_against_the_sandbox_on_sqlite_in_seoul() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./spinecare.db"
    assert settings.uses_sandbox
    assert (settings.timezone, settings.language, settings.emergency_number) == (
        "Asia/Seoul",
        "ko",
        "119",
    )
    assert settings.coordinator_ids == []


def test_coordinator_ids_are_read_from_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPINECARE_COORDINATOR_IDS", "111, 222,333")
    assert load_settings().coordinator_ids == [111, 222, 333]


def test_a_dotenv_file_is_read(tmp_workdir: Path) -> None:
    (tmp_workdir / ".env").write_text("SPINECARE_LANGUAGE=en\nSPINECARE_EMERGENCY_NUMBER=911\n")
    settings = load_settings()
    assert (settings.language, settings.emergency_number) == ("en", "911")


@pytest.mark.parametrize(
    "given",
    [
        "http://127.0.0.1:8081",
        "http://127.0.0.1:8081/",
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/bot/",
    ],
)
def test_the_bot_api_url_is_taken_with_or_without_its_bot_suffix(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("SPINECARE_TELEGRAM_API_URL", given)
    assert load_settings().telegram_api_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("SPINECARE_DATABASE_URL", "nonsense", "not a database URL"),
        ("SPINECARE_DATABASE_URL", "mysql://db/x", "driver 'mysql' is not supported"),
        ("SPINECARE_DATABASE_URL", "postgresql://db/x", "not supported"),
        ("SPINECARE_TIMEZONE", "Mars/Olympus", "not an IANA time zone"),
        ("SPINECARE_LANGUAGE", "fr", "'ko' or 'en'"),
        ("SPINECARE_COORDINATOR_IDS", "12,nurse", "valid integer"),
        ("SPINECARE_COORDINATOR_CHAT_ID", "the group", "valid integer"),
        ("SPINECARE_TELEGRAM_API_URL", "api.telegram.org", "http://"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_problem(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, complaint: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert complaint in message
    assert "\n" not in message


def test_run_with_a_nonsense_database_url_exits_with_one_line_and_no_traceback() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "spinecare"), "run"],
        env={**os.environ, "SPINECARE_DATABASE_URL": "nonsense"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("spinecare: SPINECARE_DATABASE_URL:")


def test_help_lists_the_commands() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "spinecare"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("run", "db"):
        assert f" {command} " in result.stdout


def test_a_webhook_without_its_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_WEBHOOK_URL", "https://clinic.example/tg")
    with pytest.raises(ConfigError, match="SPINECARE_WEBHOOK_SECRET is required"):
        load_settings()


def test_a_waking_window_that_ends_before_it_starts_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPINECARE_WAKING_START", "22:00")
    monkeypatch.setenv("SPINECARE_WAKING_END", "08:00")
    with pytest.raises(ConfigError, match="SPINECARE_WAKING_START must be earlier"):
        load_settings()


def test_a_real_token_without_the_coordinators_chat_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from spinecare.bootstrap import check_alert_route

    monkeypatch.setenv("SPINECARE_TELEGRAM_TOKEN", "123:abc")
    with pytest.raises(ConfigError, match="SPINECARE_COORDINATOR_CHAT_ID: required"):
        check_alert_route(load_settings())


def test_an_error_spanning_lines_is_printed_as_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from spinecare import cli

    def broken_rules() -> None:  # what a YAML parser's error looks like
        raise ConfigError('cannot read free_text.yaml: while parsing\n  in "x", line 3\n')

    monkeypatch.setattr(cli, "app", broken_rules)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        'spinecare: cannot read free_text.yaml: while parsing in "x", line 3\n'
    )
