"""Group personas from `knowledge_base/audiences/*.yaml`: loading and finding by id, name or alias."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import InputError
from assistant.knowledge.files import cached, kb_dir, norm_key, unique_ids, yaml_items
from assistant.models import Audience
from assistant.settings import Settings


def load_audiences(settings: Settings | None = None) -> list[Audience]:
    """Every persona in `knowledge_base/audiences/*.yaml`."""

    def build(files: list[Path]) -> list[Audience]:
        audiences = [a for f in files for a in yaml_items(f, Audience)]
        unique_ids(audiences, files, "群类型")
        return audiences

    return list(cached("audiences", kb_dir(settings) / "audiences", "*.yaml", build))


def audience_names(settings: Settings | None = None) -> list[str]:
    return [a.name for a in load_audiences(settings)]


def find_audience(name: str, settings: Settings | None = None) -> Audience:
    """Persona by id, name or alias ("宝妈" finds 宝妈群); InputError listing the known ones."""
    key = norm_key(name or "")
    audiences = load_audiences(settings)
    known = "、".join(a.name for a in audiences)
    if not key:
        raise InputError(f"群类型不能为空。已知：{known}", field="audience")
    for audience in audiences:
        keys = {norm_key(audience.id), norm_key(audience.name), *map(norm_key, audience.aliases)}
        if key in keys or key + "群" in keys:
            return audience
    raise InputError(f"未知的群类型：{name.strip()}。已知：{known}", field="audience")
