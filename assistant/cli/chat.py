"""`huati chat`: a terminal REPL over the chat assistant (readline history, /new, /plan, /plans, /history,
/quit)."""

from __future__ import annotations

import sys

import typer

from assistant.cli.common import console, err_console

_HELP = "命令：/new 新对话  /plan 当前方案  /plans 最近方案  /history 最近对话  /help 帮助  /quit 退出"


def _say(text: str) -> None:
    """Print without rich's wrapping or markup: piped output keeps each line whole."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _readline_history():
    """Enable arrow-key editing and a persistent input history under HUATI_HOME, when readline exists."""
    try:
        import readline
    except ImportError:
        return None
    from assistant.settings import get_settings

    path = get_settings().ensure_home() / "chat_history"
    try:
        readline.read_history_file(path)
    except (FileNotFoundError, OSError):
        pass
    readline.set_history_length(1000)
    return lambda: _save(readline, path)


def _save(readline, path) -> None:
    try:
        readline.write_history_file(path)
    except OSError:
        pass


def _show_plan(session_id: str) -> None:
    from assistant.chat import replies, sessions, tools
    from assistant.errors import HuatiError
    from assistant.settings import get_settings
    from assistant.storage import Store

    session = sessions.get_session(session_id, with_messages=False)
    if not session.plan_id:
        _say("这个对话还没有方案。说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
        return
    try:
        plan = tools.load_plan(session.plan_id, get_settings())
        revisions = Store().revisions_for(plan.id)
    except (HuatiError, ImportError) as exc:
        err_console.print(f"[red]读不到方案 {session.plan_id}：{exc}[/]", highlight=False)
        return
    _say(replies.plan(plan))
    changed = sorted({r["topic_index"] for r in revisions})
    if changed:
        which = "、".join(f"第 {i} 个" for i in changed)
        _say(f"（{which}在对话里改过，上面是现在的版本；改前的文字存在方案的修改记录里）")


def _show_sessions() -> None:
    from assistant.chat import sessions

    items = sessions.list_sessions(limit=10)
    if not items:
        _say("还没有对话。")
    for s in items:
        _say(f"{s.id}  {s.updated_at:%m-%d %H:%M}  {s.title or '（空）'}  方案：{s.plan_id or '无'}")


def _show_plans() -> None:
    from assistant.storage import Store

    found, total = Store().list_plans(limit=10)
    if not found:
        _say("还没有方案。说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
        return
    _say(f"最近的方案（共 {total} 份，列出最近 {len(found)} 份）：" if total > len(found) else "最近的方案：")
    for p in found:
        group = f" {p.audience.name}" if p.audience else ""
        first = p.topics[0].text if p.topics else ""
        _say(f"{p.id}  {p.date.isoformat()}  {p.product.name}{group}  {first}")


def _read(prompt: str) -> str:
    """One input line; raises EOFError at the end, UnicodeError for bytes that are not UTF-8."""
    text = input(prompt)
    text.encode("utf-8")  # surrogate escapes from undecodable bytes raise UnicodeEncodeError
    return text.strip()


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(
        session: str | None = typer.Option(None, "--session", "-s", help="继续某个对话（对话 ID）"),
        message: str | None = typer.Option(None, "--message", "-m", help="只发一条消息，打印回答后退出"),
    ) -> None:
        """和 Huati 对话：出话题、改话题、查违规、找素材、看效果。"""
        import asyncio

        from assistant import chat as core
        from assistant.errors import HuatiError

        if message is not None:
            core.sessions.validate_message(message)
        sid = core.sessions.get_session(session, with_messages=False).id if session else core.new_session().id

        def turn(text: str) -> None:
            async def run() -> None:
                async for chunk in core.astream(sid, text):
                    if isinstance(chunk, str):
                        console.print(chunk, end="", highlight=False, markup=False, soft_wrap=True)
                console.print()

            try:
                asyncio.run(run())
            except HuatiError as exc:  # a bad turn must not end the REPL
                err_console.print(f"[bold red]错误：[/]{exc}", highlight=False, soft_wrap=True)

        if message is not None:
            turn(message)
            return
        if hasattr(sys.stdin, "reconfigure"):  # bad bytes become one skipped line, not a crash
            sys.stdin.reconfigure(errors="surrogateescape")
        save = _readline_history()
        _say(f"话题 Huati 对话（对话 ID：{sid}，下次用 --session {sid} 继续）")
        _say(_HELP)
        try:
            while True:
                try:
                    text = _read("你> ")
                except EOFError:
                    console.print()
                    break
                except UnicodeError:
                    err_console.print("这一行有无法识别的字符（不是有效的 UTF-8 文字），已跳过，请重新输入。")
                    continue
                if not text:
                    continue
                if text in ("/quit", "/exit", "/q"):
                    break
                if text == "/new":
                    sid = core.new_session().id
                    _say(f"已新建对话：{sid}")
                elif text == "/plan":
                    _show_plan(sid)
                elif text == "/plans":
                    _show_plans()
                elif text == "/history":
                    _show_sessions()
                elif text == "/help":
                    _say(_HELP)
                elif text.startswith("/"):
                    _say(f"不认识的命令：{text}。{_HELP}")
                else:
                    turn(text)
        finally:
            if save:
                save()
        _say(f"再见。对话已保存：huati chat --session {sid}")
