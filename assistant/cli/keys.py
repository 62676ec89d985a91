"""`huati keys create|list|revoke`: API keys for `huati serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import console


def create(name: Annotated[str, typer.Argument(help="密钥名称，例如 postiz 或 n8n")]) -> None:
    """创建 API 密钥；密钥只显示这一次，库里只存哈希。"""
    from assistant.service.keys import create_key

    record, secret = create_key(name)
    console.print(f"已创建密钥 [bold]{record.name}[/]（ID {record.id}）。请立即保存，之后无法再次查看：")
    typer.echo(secret)


def list_cmd(
    all_: Annotated[
        bool, typer.Option("--all", help="也列出旧版本网页会话留下的浏览器密钥（已不能使用）")
    ] = False,
) -> None:
    """列出 API 密钥（不显示密钥本身）。"""
    from rich.table import Table

    from assistant.service.keys import list_keys

    keys = list_keys(include_browser=all_)
    if not keys:
        console.print("还没有密钥。用 huati keys create NAME 创建一个。")
        return
    table = Table()
    for col in ("ID", "名称", "前缀", "类型", "创建时间", "状态"):
        table.add_column(col)
    for k in keys:
        state = f"[red]已吊销 {k.revoked_at:%Y-%m-%d %H:%M}[/]" if k.revoked_at else "[green]有效[/]"
        table.add_row(k.id, k.name, k.prefix + "…", k.kind, f"{k.created_at:%Y-%m-%d %H:%M}", state)
    console.print(table)


def revoke(id_or_name: Annotated[str, typer.Argument(help="密钥 ID 或名称")]) -> None:
    """吊销密钥：之后用它的请求一律 403。"""
    from assistant.service.keys import revoke_key

    record = revoke_key(id_or_name)
    console.print(f"已吊销密钥 {record.name}（ID {record.id}）。")


def webhook_secret() -> None:
    """打印回调签名密钥的 Standard Webhooks 形式（whsec_…，给接收方的校验库用）；没设置时生成一个新的。"""
    import base64
    import secrets

    from assistant.service.webhooks import standard_secret
    from assistant.settings import get_settings

    settings = get_settings()
    if settings.webhook_secret is None:
        new = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        console.print("还没有设置 HUATI_WEBHOOK_SECRET。新生成了一个，设给服务端的所有进程，也交给接收方：")
        typer.echo(new)
        return
    typer.echo(standard_secret(settings))


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="管理 huati serve 的 API 密钥。", no_args_is_help=True)
    keys.command("create")(create)
    keys.command("list")(list_cmd)
    keys.command("revoke")(revoke)
    keys.command("webhook-secret")(webhook_secret)
    app.add_typer(keys, name="keys")
