"""`huati chat`: a terminal REPL over the chat assistant (readline history, /new, /plan, /history, /quit)."""

from __future__ import annotations

import typer

from assistant.cli.common import console, err_console

_HELP = "命令：/new 新对话  /plan 当前方案  /history 最近方案  /help 帮助  /quit 退出"


def _readline_history():  # noqa: ANN202
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


def _save(readline, path) -> None:  # noqa: ANN001
    try:
        readline.write_history_file(path)
    except OSError:
        pass


def _show_plan(session_id: str) -> None:
    from assistant.chat import replies, sessions, tools
    from assistant.errors import HuatiError
    from assistant.settings import get_settings

    session = sessions.get_session(session_id, with_messages=False)
    if not session.plan_id:
        console.print("这个对话还没有方案。说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
        return
    try:
        console.print(replies.plan(tools.load_plan(session.plan_id, get_settings())), highlight=False)
    except (HuatiError, ImportError) as exc:
        err_console.print(f"[red]读不到方案 {session.plan_id}：{exc}[/]")


def _show_history() -> None:
    from assistant.chat import sessions

    items = sessions.list_sessions(limit=10)
    if not items:
        console.print("还没有对话。")
    for s in items:
        console.print(
            f"{s.id}  {s.updated_at:%m-%d %H:%M}  {s.title or '（空）'}  方案：{s.plan_id or '无'}",
            highlight=False,
        )


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

        sid = core.sessions.get_session(session, with_messages=False).id if session else core.new_session().id

        def turn(text: str) -> None:
            async def run() -> None:
                async for chunk in core.astream(sid, text):
                    if isinstance(chunk, str):
                        console.print(chunk, end="", highlight=False, markup=False)
                console.print()

            try:
                asyncio.run(run())
            except HuatiError as exc:  # a bad turn must not end the REPL
                err_console.print(f"[bold red]错误：[/]{exc}", highlight=False)

        if message is not None:
            core.sessions.validate_message(message)
            turn(message)
            return
        save = _readline_history()
        console.print(f"[bold]话题 Huati 对话[/]（对话 ID：{sid}，下次用 --session {sid} 继续）")
        console.print(_HELP)
        try:
            while True:
                try:
                    text = input("你> ").strip()
                except EOFError:
                    console.print()
                    break
                if not text:
                    continue
                if text in ("/quit", "/exit", "/q"):
                    break
                if text == "/new":
                    sid = core.new_session().id
                    console.print(f"已新建对话：{sid}")
                elif text == "/plan":
                    _show_plan(sid)
                elif text == "/history":
                    _show_history()
                elif text == "/help":
                    console.print(_HELP)
                elif text.startswith("/"):
                    console.print(f"不认识的命令：{text}。{_HELP}")
                else:
                    turn(text)
        finally:
            if save:
                save()
        console.print(f"再见。对话已保存：huati chat --session {sid}")
