"""What one ingest run did: files added, updated, deleted, chunks written and removed, errors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    unusable: int = 0  # changed files that could not be read at all (their old records stay)
    chunks_added: int = 0
    chunks_removed: int = 0
    errors: list[str] = field(default_factory=list)
    embedding: str = ""
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        unusable = f"，{self.unusable} 个文件读不了、没有导入（已索引的旧内容保留）" if self.unusable else ""
        if not self.changed:
            text = f"{'没有新内容' if unusable else '无变化'}（{self.unchanged} 个文件未改动{unusable}）"
        else:
            text = (
                f"新增 {self.added} 个文件，更新 {self.updated} 个，删除 {self.deleted} 个，"
                f"未改动 {self.unchanged} 个{unusable}；写入 {self.chunks_added} 段，移除 {self.chunks_removed} 段"
            )
        return f"{text}（向量模型：{self.embedding}，用时 {self.seconds:.1f} 秒）"
