"""`huati check`: run the four topic checks on one topic or a JSONL file of topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.common import console
from assistant.errors import HuatiError, InputError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.checks.topic import TopicCheck
    from assistant.models import Audience, Product

NAMES_ZH = {"compliance": "合规", "low_barrier": "低门槛", "relevance": "相关性", "tone": "语气"}
FIELDS = ("topic", "text", "product", "category", "audience", "date", "trend")


def _fail(path: Path, no: int, reason: str) -> InputError:
    return InputError(f"{path}:{no}: {reason}")


def _validate_row(path: Path, no: int, row: dict[str, Any]) -> None:
    """Types and values of one input line; InputError `path:line: reason`."""
    unknown = sorted(set(row) - set(FIELDS) - {"id"})
    if unknown:
        raise _fail(path, no, f"未知字段 {'、'.join(unknown)}（可用字段：{'、'.join(FIELDS)}、id）")
    if "topic" in row and "text" in row and row["topic"] != row["text"]:
        raise _fail(path, no, "topic 和 text 都是话题本身，只写其中一个（或写成一样的）")
    if "topic" not in row and "text" in row:
        row["topic"] = row.pop("text")  # `text` is the API body's name for the same field
    row.pop("text", None)
    for key in ("topic", "product"):
        if key not in row:
            raise _fail(
                path, no, f"缺少字段 {'topic（或 text）' if key == 'topic' else key}（需要非空字符串）"
            )
        if not isinstance(row[key], str) or not row[key].strip():
            raise _fail(
                path, no, f"字段 {key} 应是非空字符串，当前是 {json.dumps(row[key], ensure_ascii=False)}"
            )
    for key in ("category", "audience", "date"):
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise _fail(path, no, f"字段 {key} 应是字符串，当前是 {json.dumps(value, ensure_ascii=False)}")
    trend = row.get("trend")
    if trend is not None and not (
        isinstance(trend, str) or (isinstance(trend, list) and all(isinstance(t, str) for t in trend))
    ):
        raise _fail(
            path, no, f"字段 trend 应是字符串或字符串列表，当前是 {json.dumps(trend, ensure_ascii=False)}"
        )
    if row.get("id") is not None and not isinstance(row["id"], str | int):
        raise _fail(path, no, "字段 id 应是字符串或整数")
    from assistant.dates import parse_day
    from assistant.knowledge import find_audience

    try:
        if row.get("date") and row["date"].strip():
            parse_day(row["date"])
        if row.get("audience") and row["audience"].strip():
            find_audience(row["audience"])
    except HuatiError as exc:
        raise _fail(path, no, exc.message) from exc


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every line parsed and validated before anything is checked or printed."""
    if not path.is_file():
        raise InputError(f"找不到文件：{path}", field="file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:1: 文件不是 UTF-8 编码") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(path, no, f"不是合法的 JSON（{exc.msg}，第 {exc.colno} 列）") from exc
        if not isinstance(row, dict):
            raise _fail(path, no, '每行应是一个 JSON 对象，例如 {"topic": ..., "product": ...}')
        _validate_row(path, no, row)
        rows.append((no, row))
    if not rows:
        raise InputError(f"{path}: 文件里没有话题（每行一个 JSON 对象）")
    return rows


def _as_list(trend: Any) -> list[str]:
    if trend is None:
        return []
    return [trend] if isinstance(trend, str) else [str(t) for t in trend]


def _judge_model(judge: bool | None) -> BaseChatModel | None:
    """The LLM judge's chat model: when asked for (ConfigError, exit 5, when none is configured), or by
    default when an LLM is configured."""
    from assistant.llm import choose_model
    from assistant.llm.choice import Mode
    from assistant.settings import get_settings

    mode: Mode = "offline" if judge is False else ("llm" if judge else "auto")
    return choose_model(get_settings(), "judge", mode=mode).model


Item = tuple[str, "Product", "Audience | None", list[str], "TopicCheck"]


async def _judge_all(items: list[Item], model: BaseChatModel) -> None:
    """Add the judge's verdicts to each result; one failed reply is recorded, not fatal."""
    import asyncio

    from assistant.checks import CHECK_NAMES
    from assistant.checks.judge import ajudge, prompt_versions
    from assistant.checks.topic import JudgeReport, JudgeVerdict
    from assistant.llm import model_name

    sem = asyncio.Semaphore(8)
    name, versions = model_name(model), prompt_versions()
    for *_rest, result in items:
        result.judge = JudgeReport(model=name, prompt_versions=versions)

    async def one(
        topic: str, prod: Product, aud: Audience | None, trend: list[str], result: TopicCheck, dim: str
    ) -> None:
        assert result.judge is not None
        async with sem:
            try:
                verdict = await ajudge(dim, topic, prod, audience=aud, trends=trend, chat_model=model)
            except HuatiError as exc:
                result.judge.errors[dim] = exc.message
                return
        result.judge.checks[dim] = JudgeVerdict(
            passed=verdict.passed,
            score=verdict.score,
            reasons=verdict.reasons,
            cached=verdict.details.get("cached", False),
        )

    await asyncio.gather(*(one(*item, dim) for item in items for dim in CHECK_NAMES))


Row = tuple[str, str, str | None, str | None, str | None, list[str]]


def _run(rows: list[Row], judge: bool | None) -> list[dict[str, Any]]:
    """Check a batch: each distinct product and group is resolved once, and a topic repeated with the same
    product, group, date and trend is checked once (`check_topic` is deterministic); the LLM judge, when used,
    rates every line."""
    from assistant.checks import check_topic
    from assistant.checks.topic import resolve

    model = _judge_model(judge)
    resolved: dict[tuple[str, str | None, str | None], tuple[Product, Audience | None]] = {}
    done: dict[tuple[Any, ...], dict[str, Any]] = {}
    items: list[Item] = []
    out: list[dict[str, Any] | None] = []
    for topic, product, category, audience, date, trend in rows:
        who = (product, category or None, audience or None)
        if who not in resolved:
            resolved[who] = resolve(product, category, audience)
        prod, aud = resolved[who]
        key = (topic, who, date or None, tuple(trend))
        if model is None and key in done:
            out.append(done[key])
            continue
        result = check_topic(topic, prod, audience=aud, date=date, trend=trend)
        if model is None:
            out.append(done.setdefault(key, result.public_dict()))
        else:
            items.append((topic, prod, aud, trend, result))
            out.append(None)
    if model is None:
        return [r for r in out if r is not None]
    import asyncio

    asyncio.run(_judge_all(items, model))
    return [item[-1].public_dict() for item in items]


def _echo_json(parsed: list[tuple[int, dict[str, Any]]], rows: list[Row]) -> None:
    """One JSON line per input line, in order: line, id, topic, then the result of `check_topic`."""
    from assistant.checks.batch import check_lines

    results = check_lines(rows)
    out = []
    for (no, row), result in zip(parsed, results, strict=True):
        head = {"line": no, **({"id": row["id"]} if "id" in row else {}), "topic": row["topic"]}
        out.append(json.dumps(head, ensure_ascii=False)[:-1] + ", " + result[1:])
    typer.echo("\n".join(out))


def _print_rich(topic: str, result: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    text = Text(topic)
    for check in result["checks"].values():
        if not check["pass"]:
            for a, b in check.get("details", {}).get("spans", []):
                text.stylize("bold red underline", a, b)
    verdict = "[bold green]通过[/]" if result["pass"] else "[bold red]不通过[/]"
    product = result["product"]
    console.print(text)
    console.print(
        f"{verdict}  总分 {result['score']:.2f}  商品：{product['name']}"
        f"{'（目录外）' if product['ad_hoc'] else ''}  引擎：offline（规则检查 huati-rules）"
    )
    table = Table(show_lines=True)
    table.add_column("检查")
    table.add_column("结果", justify="center")
    table.add_column("分数", justify="right")
    table.add_column("原因", overflow="fold")
    for name, check in result["checks"].items():
        mark = "[green]✓[/]" if check["pass"] else "[red]✗[/]"
        table.add_row(NAMES_ZH.get(name, name), mark, f"{check['score']:.2f}", "\n".join(check["reasons"]))
    console.print(table)
    judge = result.get("judge")
    if judge:
        verdicts = "；".join(
            f"{NAMES_ZH.get(k, k)} {'✓' if v['pass'] else '✗'}" for k, v in judge["checks"].items()
        )
        failed = f"；{len(judge['errors'])} 项评判失败" if judge["errors"] else ""
        console.print(f"LLM 评判（{judge['model']}）：{verdicts or '—'}{failed}", markup=False)
    rewrite = result["checks"]["compliance"].get("details", {}).get("rewrite")
    if rewrite:
        console.print(f"建议改写（去掉绝对化用语）：{rewrite}")


def check(
    topic: Annotated[str | None, typer.Argument(help="要检查的话题文本")] = None,
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="今天主推的商品（目录外的也行）")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="目录外商品的品类")] = None,
    audience: Annotated[str | None, typer.Option("--audience", "-a", help="群类型，例如 宝妈群")] = None,
    date: Annotated[str | None, typer.Option("--date", "-d", help="日期 YYYY-MM-DD")] = None,
    trend: Annotated[list[str] | None, typer.Option("--trend", "-t", help="今天的热点，可写多次")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="JSONL 文件，每行一个话题")] = None,
    judge: Annotated[
        bool | None,
        typer.Option(
            "--judge/--no-judge", help="再用 LLM 评判（默认：配置了 LLM 时评判）", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """检查话题：合规、低门槛、相关性、语气。无论是否通过都返回 0，输入有误才返回非 0。"""
    if file is not None:
        if topic is not None:
            raise InputError("--file 和话题文本只能二选一")
        parsed = _read_jsonl(file)
        rows = [
            (
                r["topic"],
                r["product"],
                r.get("category"),
                r.get("audience"),
                r.get("date"),
                _as_list(r.get("trend")),
            )
            for _no, r in parsed
        ]
        try:
            if as_json and _judge_model(judge) is None:  # the fast path: batched, JSON made once per result
                _echo_json(parsed, rows)
                return
            results = _run(rows, judge)
        except InputError as exc:  # validated up front; anything left still names the file
            raise InputError(f"{file}: {exc.message}") from exc
        lines = []
        for (no, row), result in zip(parsed, results, strict=True):
            out = {"line": no, **({"id": row["id"]} if "id" in row else {}), "topic": row["topic"], **result}
            if as_json:
                lines.append(json.dumps(out, ensure_ascii=False))
            else:
                _print_rich(row["topic"], out)
        if lines:  # one write for the whole batch
            typer.echo("\n".join(lines))
        return
    if topic is None or not topic.strip():
        raise InputError('请给出要检查的话题，例如：huati check "你用过美白类牙膏吗？" --product 亮白牙膏')
    if product is None or not product.strip():
        raise InputError("请用 --product 指定今天主推的商品", field="product")
    (result,) = _run([(topic, product, category, audience, date, trend or [])], judge)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_rich(topic, result)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
