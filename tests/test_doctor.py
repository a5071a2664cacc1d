"""``protocol-bot doctor`` (issue 15, item 20), run in-process as the IT volunteer would, on real homes: a fresh one
made by the bot's own commands, then broken the ways deployments break; platforms through the fake Slack and
Telegram servers. Nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from adapters.cli.main import main
from bot.store.migrate import alembic_config, head
from tests.slack_fake import SECRET, FakeSlack
from tests.telegram_fake import TOKEN, FakeTelegram

PLATFORM_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "TELEGRAM_BOT_TOKEN",
                      "TELEGRAM_WEBHOOK_SECRET", "PROTOCOL_BOT_DATABASE_URL", "PROTOCOL_BOT_CASE_KEY",
                      "PROTOCOL_BOT_CASE_KEY_FILE")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
    for name in PLATFORM_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, list[str]]]:
    """The exit code and the lines by check (``council ledbury`` -> ["ok ...", ...])."""
    code, out = run(["doctor"], capsys)
    lines: dict[str, list[str]] = {}
    for line in out.splitlines():
        level, rest = line.split(maxsplit=1)
        assert level in ("ok", "warning", "problem"), line
        lines.setdefault(rest.split(":", 1)[0], []).append(line)
    return code, lines


def started(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A first ``chat`` start, ended at once (end of input): database, case key and indexes, as deployed."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(["chat"], capsys)[0] == 0


def test_a_healthy_started_home_has_no_problem(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    started(capsys, monkeypatch)
    code, lines = doctor(capsys)
    assert code == 0
    assert lines["database"][0].startswith("ok") and f"revision {head()} (newest)" in lines["database"][0]
    assert lines["case key"][0].startswith("ok") and "the database's" in lines["case key"][0]
    for slug in ("blaby", "cheshire", "honiton", "ledbury", "wendlebury"):
        [line] = lines[f"council {slug}"]
        assert line.startswith("ok") and "index current" in line and "routing rule" in line
    assert "slack" not in lines and "telegram" not in lines  # no tokens set: not checked


def test_a_home_only_indexed_has_warnings_but_no_problem(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["index"], capsys)[0] == 0
    code, lines = doctor(capsys)
    assert code == 0
    assert lines["database"][0].startswith("warning") and "no database yet" in lines["database"][0]
    assert lines["case key"][0].startswith("warning") and "keys init" in lines["case key"][0]
    assert all(lines[f"council {slug}"][0].startswith("ok") for slug in ("ledbury", "wendlebury"))
    assert not (home / "protocol-bot.db").exists() and not (home / "keys").exists(), "doctor creates nothing"


def test_a_missing_case_key_is_a_problem(home: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    started(capsys, monkeypatch)
    (home / "keys" / "case-master.key").unlink()
    code, lines = doctor(capsys)
    assert code == 1
    [line] = lines["case key"]
    assert line.startswith("problem") and "No case master key" in line and "Restore the key" in line
    assert not (home / "keys" / "case-master.key").exists(), "doctor never makes a key"


def test_a_key_that_is_not_the_databases_is_a_problem(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cases.keys import ENV_VAR, MasterKey

    started(capsys, monkeypatch)
    stray = MasterKey.generate()
    monkeypatch.setenv(ENV_VAR, stray.encoded())
    code, out = run(["doctor"], capsys)
    assert code == 1
    assert f"problem  case key: The case master key from {ENV_VAR} (key id {stray.key_id})" in out
    assert stray.encoded() not in out


def test_a_database_behind_the_newest_revision_is_reported_not_migrated(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    newest = head()
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(newest).down_revision
    assert isinstance(previous, str)
    home.mkdir(parents=True)
    engine = create_engine(f"sqlite:///{home / 'protocol-bot.db'}")
    with engine.begin() as connection:  # a database an older Protocol Bot migrated
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, previous)
    engine.dispose()
    code, lines = doctor(capsys)
    assert code == 1
    [line] = lines["database"]
    assert line.startswith("problem") and f"revision {previous}, the newest is {newest}" in line
    assert "run `protocol-bot db upgrade`" in line
    code, lines = doctor(capsys)
    assert f"revision {previous}" in lines["database"][0], "doctor did not migrate"
    assert run(["db", "upgrade"], capsys)[0] == 0
    assert doctor(capsys)[1]["database"][0].startswith("ok")


def test_a_stale_index_is_a_warning_and_routing_is_still_checked(home: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    protocol = tmp_path / "fen.txt"
    protocol.write_text("FENWICK PARISH COUNCIL\nMember Officer Protocol\n\n1. Staff\n\n1.1 Councillors must not "
                        "instruct employees directly.\n\n1.2 Employees answer to the Clerk.\n\n1.3 Be kind.\n",
                        encoding="utf-8")
    assert run(["council", "add", "fenwick", str(protocol), "--name", "Fenwick Parish Council"], capsys)[0] == 0
    assert run(["index"], capsys)[0] == 0
    [edited] = (home / "councils").rglob("protocol.txt")
    edited.write_text(edited.read_text(encoding="utf-8") + "\n1.4 Be punctual.\n", encoding="utf-8")
    code, lines = doctor(capsys)
    assert code == 0
    [line] = lines["council fenwick"]
    assert line.startswith("warning") and "built from an older version of the protocol" in line
    assert "rebuilt at the next start (or run `protocol-bot index --council fenwick`)" in line
    assert lines["council ledbury"][0].startswith("ok")


def test_a_routing_rule_the_protocol_does_not_back_is_a_problem(home: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from config.settings import CONFIG_DIR

    profile = yaml.safe_load((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8"))
    profile["routing"]["rules"][0]["clauses"] = ["99.9"]
    target = home / "councils" / "wendlebury" / "profile.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(profile), encoding="utf-8")
    code, lines = doctor(capsys)
    assert code == 1
    [line] = [x for x in lines["council wendlebury"] if x.startswith("problem")]
    assert "cites clause '99.9', which is not in the wendlebury protocol" in line


# -- platforms ---------------------------------------------------------------------------------------------------

@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    monkeypatch.setenv("PROTOCOL_BOT_SLACK_API_URL", fake.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-doctor")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    yield fake
    await fake.close()


async def doctor_in_thread(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The fake servers run on the test's event loop; the command runs its own, as it does from a shell."""
    code = await asyncio.to_thread(main, ["doctor"])
    return code, capsys.readouterr().out


async def test_slack_tokens_accepted(slack: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = await doctor_in_thread(capsys)
    assert code == 0 and "ok       slack: SLACK_BOT_TOKEN accepted" in out and "HTTP Events" in out
    assert slack.of("auth.test")


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
async def test_a_refused_slack_bot_token_is_a_problem_naming_the_variable(
        slack: FakeSlack, capsys: pytest.CaptureFixture[str], error: str) -> None:
    slack.errors["auth.test"] = error
    code, out = await doctor_in_thread(capsys)
    assert code == 1
    assert f"problem  slack: Slack refused SLACK_BOT_TOKEN ({error})" in out and "Bot User OAuth Token" in out
    assert "xoxb-test-doctor" not in out


async def test_a_refused_slack_app_token_is_a_problem_naming_the_variable(
        slack: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-revoked")
    slack.errors["apps.connections.open"] = "invalid_auth"
    code, out = await doctor_in_thread(capsys)
    assert code == 1 and "problem  slack: Slack refused SLACK_APP_TOKEN (invalid_auth)" in out


async def test_http_mode_without_a_signing_secret_is_a_problem(
        slack: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    code, out = await doctor_in_thread(capsys)
    assert code == 1 and "problem  slack:" in out and "SLACK_SIGNING_SECRET" in out


class WebhookTelegram(FakeTelegram):
    """The fake Bot API, answering ``getWebhookInfo`` as Telegram does after failed deliveries."""

    webhook: dict[str, Any]

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getWebhookInfo":
            return self.webhook
        return super()._result(method, params)


@pytest.fixture
async def telegram(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WebhookTelegram]:
    fake = WebhookTelegram()
    fake.webhook = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    await fake.start()
    monkeypatch.setenv("PROTOCOL_BOT_TELEGRAM_API_URL", f"http://127.0.0.1:{fake.port}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    yield fake
    await fake.stop()


async def test_telegram_token_accepted(telegram: WebhookTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = await doctor_in_thread(capsys)
    assert code == 0 and "ok       telegram: TELEGRAM_BOT_TOKEN accepted (@ProtocolTestBot)" in out
    assert telegram.of("getMe") and not telegram.of("getWebhookInfo")  # no webhook secret: polling


async def test_a_refused_telegram_token_is_a_problem_naming_the_variable(
        telegram: WebhookTelegram, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:revoked-token")
    code, out = await doctor_in_thread(capsys)
    assert code == 1 and "problem  telegram: Telegram refused TELEGRAM_BOT_TOKEN" in out
    assert "revoked-token" not in out


async def test_webhook_delivery_errors_are_reported(telegram: WebhookTelegram, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token")
    telegram.webhook = {"url": "https://bot.example.org/hooks/telegram", "has_custom_certificate": False,
                        "pending_update_count": 7, "last_error_date": 1_760_000_000,
                        "last_error_message": "Wrong response from the webhook: 502 Bad Gateway"}
    code, out = await doctor_in_thread(capsys)
    assert code == 1
    [line] = [x for x in out.splitlines() if x.startswith("problem  telegram webhook:")]
    assert "https://bot.example.org/hooks/telegram" in line and "502 Bad Gateway" in line and "7 update" in line
    telegram.webhook = {**telegram.webhook, "pending_update_count": 0, "last_error_message": None,
                        "last_error_date": None}
    code, out = await doctor_in_thread(capsys)
    assert code == 0 and "ok       telegram webhook: https://bot.example.org/hooks/telegram" in out
