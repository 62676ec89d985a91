"""Turn knowledge-base files into index records: case files by Markdown section, trend files by item."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.errors import DataError
from assistant.models import stable_id
from assistant.retrieval.text import search_terms
from assistant.retrieval.trends import parse_trends

MAX_CHUNK_CHARS = 700
EMBED_CHARS = 500
_HEADING = re.compile(r"^#{1,4}\s+(.+?)\s*#*\s*$")


def split_sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) per Markdown section; text before the first heading is 概要."""
    sections: list[tuple[str, list[str]]] = [("概要", [])]
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            sections.append((match.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    out = []
    for heading, lines in sections:
        text = "\n".join(lines).strip()
        if not text:
            continue
        if len(text) <= MAX_CHUNK_CHARS:
            out.append((heading, text))
            continue
        buf = ""  # long sections: split on paragraphs
        for para in re.split(r"\n\s*\n", text):
            if buf and len(buf) + len(para) > MAX_CHUNK_CHARS:
                out.append((heading, buf.strip()))
                buf = ""
            buf += para + "\n\n"
        if buf.strip():
            out.append((heading, buf.strip()))
    return out


def case_records(path: Path, key: str, kb_dir: Path) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """Records of one case file, or (None, [error]) when it cannot be parsed."""
    from assistant.knowledge import parse_case

    try:
        case = parse_case(path, kb_dir=kb_dir)
    except DataError as exc:
        return None, [exc.message]
    records = []
    meta = {
        "case_id": case.id,
        "case_kind": case.kind,
        "brand": case.brand,
        "industry": case.industry,
        "platform": case.platform,
        "audience": case.audience,
        "tactics": case.tactics,
        "categories": case.categories,
        "citation": case.source,
    }
    header = " ".join([case.title, case.brand, case.industry, *case.tactics, *case.categories])
    for index, (heading, text) in enumerate(split_sections(case.body)):
        records.append(
            {
                "id": "case-" + stable_id(case.id, str(index), heading, text),
                "kind": "cases",
                "part": "cases",
                "file": key,
                "title": f"{case.title}｜{heading}",
                "text": text,
                "source": case.path,
                "metadata": {**meta, "section": heading},
                "tokens": search_terms(f"{header} {heading} {text}"),
                "embed_text": f"{case.title}。{heading}：{text}"[:EMBED_CHARS],
            }
        )
    return records, []


def trend_records(path: Path, key: str, label: str) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """Records of one trend file; None when nothing in it could be read (the old records stay)."""
    items, errors = parse_trends(path, name=label)
    if not items and errors:
        return None, errors
    records = []
    for item in items:
        text = item.title if not item.category else f"{item.title}（{item.category}）"
        records.append(
            {
                "id": item.id,
                "kind": "trends",
                "part": f"trends-{item.date:%Y-%m}",
                "file": key,
                "title": item.title,
                "text": text,
                "source": label,
                "ordinal": item.date.toordinal(),
                "metadata": item.model_dump(mode="json"),
                "tokens": search_terms(text),
                "embed_text": text,
            }
        )
    return records, errors
