"""`groups import`: every export shape into a group's records, privacy by default, idempotent re-imports,
broken files reported line by line, 企业微信 archives of several groups, and forgetting a group."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.errors import InputError
from assistant.groups.importer import import_export
from assistant.storage.schema import group_hours, group_messages, metadata

FIX = Path(__file__).resolve().parent / "fixtures"
FULL = [
    "wechat_legacy.csv",
    "memotrace.csv",
    "chatlog.csv",
    "chatlab.json",
    "chatlab.jsonl",
    "wecom.jsonl",
    "plain_time_name.txt",
    "plain_name_time.txt",
    "plain_no_seconds.txt",
]
NAMES = (
    "小鹿老师",
    "豆豆妈",
    "糖糖妈妈",
    "一一妈",
    "乐乐爸",
    "橙子妈",
    "安安外婆",
    "朵朵妈",
    "wxid_doudou88",
)


def _all_text(store) -> str:
    """Every value of every row of every table, as one string (to look for what must not be there)."""
    parts = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


@pytest.mark.parametrize("name", FULL)
def test_every_shape_imports_with_activity_and_no_names(huati_env, store, name):
    report = import_export(FIX / name, "阳光宝妈群", settings=huati_env, store=store)
    assert (
        report.read == 51
        and report.new == 51
        and report.issues[:1] == report.issues[: int(name == "plain_name_time.txt")]
    )
    hours = store.groups.hours("阳光宝妈群")
    assert sum(n for _d, _h, n, _s in hours) == 49  # the two system notices are not chat
    evening = {(d, h): (n, s) for d, h, n, s in hours}[(date(2026, 12, 4), 21)]
    assert evening[0] >= 11 and evening[1] >= 7  # the topic at 21:00 and its replies
    text = _all_text(store)
    assert not any(n in text for n in NAMES)  # member names are hashed ...
    assert "下雨天" not in text  # ... and message text is not kept unless asked


def test_reimport_adds_nothing_and_keep_text_is_explicit(huati_env, store):
    first = import_export(FIX / "chatlog.csv", "g1", settings=huati_env, store=store)
    again = import_export(FIX / "chatlog.csv", "g1", settings=huati_env, store=store)
    assert (first.new, again.new, again.duplicates) == (51, 0, 51)
    kept = import_export(FIX / "memotrace.csv", "g2", keep_text=True, settings=huati_env, store=store)
    assert kept.keep_text
    with store.engine.connect() as conn:
        texts = (
            conn.execute(select(group_messages.c.text).where(group_messages.c.group_id == "g2"))
            .scalars()
            .all()
        )
    assert "今天幼儿园要带水杯吗？" in texts


def test_salt_is_owner_only(huati_env, store):
    import_export(FIX / "chatlog.csv", "g", settings=huati_env, store=store)
    salt = huati_env.home / "group_salt"
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert len(salt.read_text().strip()) == 64


@pytest.mark.parametrize(
    "name,lines",
    [
        ("broken_bad_time.csv", [4, 5]),
        ("broken_stray_quote.csv", [3]),
        ("broken_truncated.jsonl", [3, 5, 6, 8]),
        ("broken_plain.txt", [1, 10]),
        ("broken_mixed_encoding.csv", [5]),
    ],
)
def test_broken_rows_are_reported_and_the_rest_kept(huati_env, store, name, lines):
    from assistant.groups.exports import iter_messages

    readable = len(list(iter_messages(FIX / name, room=None)))
    report = import_export(FIX / name, "g", settings=huati_env, store=store)
    assert [i.line for i in report.issues] == lines
    assert report.read == readable > 0 and store.groups.count_messages("g") == readable


def test_wecom_archive_of_several_groups_needs_a_room(huati_env, store, tmp_path):
    lines = (FIX / "wecom.jsonl").read_text(encoding="utf-8").splitlines()
    other = [json.loads(line) for line in lines[:5]]
    for obj in other:
        obj["roomid"], obj["msgid"] = "wrOtherRoom", obj["msgid"] + "x"
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join(lines + [json.dumps(o) for o in other]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="2 个群.*--room"):
        import_export(path, "g", settings=huati_env, store=store)
    assert store.groups.count_messages("g") == 0  # nothing written before the question is answered
    report = import_export(path, "g", room="wrOtherRoom", settings=huati_env, store=store)
    assert report.read == 5 and report.room == "wrOtherRoom"
    with pytest.raises(InputError, match="没有群 wrNope"):
        import_export(path, "g", room="wrNope", settings=huati_env, store=store)


@pytest.mark.parametrize("bad", ["", "a b", "x/y", "q?", "z" * 65])
def test_bad_group_ids(huati_env, store, bad):
    with pytest.raises(InputError, match="群编号不对"):
        import_export(FIX / "chatlog.csv", bad, settings=huati_env, store=store)


def test_cli_import_errors_are_one_chinese_line(huati_env, tmp_path):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["groups", "import", str(FIX / "broken_bad_time.csv"), "--group", "g"])
    assert ok.exit_code == 0 and "第 4 行：时间读不出来" in ok.output and "读到 3 条消息" in ok.output
    for args in (
        ["groups", "import", str(FIX / "not_a_chat.txt"), "-g", "g"],
        ["groups", "import", str(tmp_path / "missing.csv"), "-g", "g"],
        ["groups", "import", str(FIX / "chatlog.csv"), "-g", "g", "--format", "excel"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "错误：" in result.output and "Traceback" not in result.output


def test_forget_deletes_every_row_of_the_group(huati_env, store):
    from typer.testing import CliRunner

    from assistant.cli.main import app
    from assistant.drafting import draft_plan
    from assistant.models import PlanRequest

    group = "要忘掉的群"
    plan = draft_plan(
        PlanRequest(product="亮白牙膏", audience="宝妈群", date=date(2026, 12, 4), group=group),
        settings=huati_env,
        store=store,
    )
    store.add_feedback(plan.id, 1, "posted", replies=5)
    store.add_feedback(plan.id, 2, "rejected")
    import_export(FIX / "plain_time_name.txt", group, keep_text=True, settings=huati_env, store=store)
    import_export(FIX / "chatlog.csv", "留下的群", settings=huati_env, store=store)
    assert group in _all_text(store)
    result = CliRunner().invoke(app, ["groups", "forget", group, "--yes"])
    assert result.exit_code == 0, result.output
    assert group not in _all_text(store)  # not in any column of any table, plan JSON included
    assert store.get_plan(plan.id).group is None  # the plan itself stays
    assert store.groups.count_messages("留下的群") == 51
    with store.engine.connect() as conn:
        assert conn.execute(select(group_hours).where(group_hours.c.group_id == group)).first() is None
    again = CliRunner().invoke(app, ["groups", "forget", group, "--yes"])
    assert again.exit_code == 3 and "没有群" in again.output


def test_flat_memory_on_a_big_export(huati_env, store, tmp_path):
    """20,000 messages: peak Python memory of the import stays far below the file's size."""
    import tracemalloc

    import export_samples

    path = tmp_path / "big.csv"
    export_samples.write_wechat_csv(path, 20_000)
    tracemalloc.start()
    report = import_export(path, "big", settings=huati_env, store=store)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.read == 20_000 and report.new == 20_000
    assert peak < 12 * 1024 * 1024 and peak < os.path.getsize(path) * 4
