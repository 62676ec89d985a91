"""Knowledge-base loader: products, audiences and case files, validated into pydantic models.

Loads are cached per knowledge-base directory and re-read when a file changes (mtime/size).
Malformed files raise `DataError` whose message is `path:line: reason`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from assistant.errors import DataError, InputError
from assistant.models import Audience, Product, stable_id
from assistant.settings import Settings, get_settings

MAX_PRODUCT_NAME = 50
ADHOC_CATEGORY = "其他"

# Words that say nothing about what a product is; dropped from ad hoc keywords.
_FLUFF = ("新款", "正品", "包邮", "特价", "官方", "旗舰", "爆款", "热卖", "限时", "家用", "款")
_SPLIT = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[0-9a-z]+")


# --------------------------------------------------------------------------- helpers


def norm_key(text: str) -> str:
    """Key for lookups: NFKC (full/half width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _kb_dir(settings: Settings | None) -> Path:
    return (settings or get_settings()).kb_dir


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _fail(path: Path, line: int, reason: str) -> DataError:
    return DataError(f"{_display(path)}:{line}: {reason}")


def _signature(files: Sequence[Path]) -> tuple:
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


_CACHE: dict[tuple[str, str], tuple[tuple, Any]] = {}


def _cached(kind: str, directory: Path, pattern: str, build: Any) -> Any:
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    key = (kind, str(directory.resolve()))
    sig = _signature(files)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1]
    value = build(files)
    _CACHE[key] = (sig, value)
    return value


def clear_cache() -> None:
    """Forget every cached load (tests that edit files in place)."""
    _CACHE.clear()


# --------------------------------------------------------------------------- YAML lists


def _yaml_line(exc: yaml.YAMLError) -> int:
    """1-based line of a YAML error: where an unclosed bracket/quote opened, else where parsing failed."""
    context = str(getattr(exc, "context", "") or "")
    context_mark = getattr(exc, "context_mark", None)
    problem_mark = getattr(exc, "problem_mark", None)
    if context_mark is not None and ("flow" in context or "quoted" in context):
        return context_mark.line + 1
    mark = problem_mark or context_mark
    return mark.line + 1 if mark is not None else 1


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", "") or "")
    if "flow" in context:
        return f"方括号或花括号没有闭合（{problem}）"
    if "quoted" in context:
        return f"引号没有闭合（{problem}）"
    return problem


def _yaml_items(
    path: Path,
    model: type[BaseModel],
    line_offset: int = 0,
    check: Callable[[Any], tuple[str, str] | None] | None = None,
) -> list[Any]:
    """Parse a YAML list of mappings into `model`, reporting `path:line: reason`. `check(item)` may return
    (field, reason) for a valid-looking item that is still wrong (an unknown trait ...)."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(path, _yaml_line(exc) + line_offset, f"YAML 格式错误：{_yaml_problem(exc)}") from exc
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise _fail(path, 1, "文件应是一个 YAML 列表（每项以 - 开头）")
    items = []
    for index, (raw, node) in enumerate(zip(data, root.value, strict=True)):
        line = node.start_mark.line + 1
        if not isinstance(raw, dict):
            raise _fail(path, line, f"第 {index + 1} 项应是键值对（字段: 值）")
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else ""
            for key, _value in getattr(node, "value", []):
                if key.value == field:
                    line = key.start_mark.line + 1
                    break
            raise _fail(path, line, f"第 {index + 1} 项：{_reason(err)}") from exc
        problem = check(items[-1]) if check else None
        if problem:
            field, why = problem
            line = next(
                (k.start_mark.line + 1 for k, _v in getattr(node, "value", []) if k.value == field), line
            )
            raise _fail(path, line, f"第 {index + 1} 项：字段 {field} 无效：{why}")
    return items


def _reason(err: Any) -> str:
    """A pydantic error as a short Chinese reason."""
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "missing":
        return f"缺少必填字段 {loc}"
    ctx = err.get("ctx") or {}
    msg = {
        "literal_error": f"应为 {str(ctx.get('expected', '')).replace(' or ', '、')} 之一",
        "list_type": "应是列表（例如 [甲, 乙]）",
        "string_type": "应是文字",
        "dict_type": "应是键值对",
        "bool_parsing": "应是 true 或 false",
        "string_pattern_mismatch": '格式不对（时间请写成 "HH:MM"）' if "\\d{2}:" in str(ctx) else "格式不对",
    }.get(err["type"], err["msg"])
    return f"字段 {loc} 无效：{msg}（当前值：{err.get('input')!r}）"


def _unique(items: Iterable[Any], files: Sequence[Path], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DataError(f"{_display(files[0].parent)}: {what} id 重复：{item.id}")
        seen.add(item.id)


# --------------------------------------------------------------------------- products


def _vocabulary(kb: Path) -> tuple[set[str], set[str]]:
    """(known traits, known tie-in keys) from the pattern library; empty sets when it is missing."""
    path = kb / "patterns" / "patterns.yaml"
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        lib = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 - safe loader
    except (OSError, yaml.YAMLError):
        return set(), set()
    themes = lib.get("themes") or {}
    keys = {"direct", *themes, *(str(e) for t in themes.values() for e in (t or {}).get("events") or [])}
    return set(lib.get("traits") or {}), keys


def _product_check(kb: Path, settings: Settings | None) -> Callable[[Product], tuple[str, str] | None]:
    traits, keys = _vocabulary(kb)
    groups = {k for a in load_audiences(settings) for k in (a.id, a.name)}

    def check(p: Product) -> tuple[str, str] | None:
        bad = [t for t in p.traits if traits and t not in traits]
        if bad:
            return "traits", f"不认识的特征 {'、'.join(bad)}（可选：{'、'.join(sorted(traits))}）"
        for field, tags in (("scenarios", p.scenario_audiences), ("questions", p.question_audiences)):
            unknown = sorted({g for gs in tags.values() for g in gs} - groups)
            if unknown and groups:
                return field, f"for 里的群不存在：{'、'.join(unknown)}"
        odd = "、".join(k for k in p.tie_ins if keys and k not in keys)
        return (
            ("tie_ins", f"不认识的由头 {odd}（写节日节气名、patterns.yaml 里的主题名，或 direct）")
            if odd
            else None
        )

    return check


def load_products(settings: Settings | None = None) -> list[Product]:
    """Every product in `knowledge_base/products/*.yaml`."""
    kb = _kb_dir(settings)

    def build(files: list[Path]) -> list[Product]:
        check = _product_check(kb, settings)
        products = [p for f in files for p in _yaml_items(f, Product, check=check)]
        _unique(products, files, "产品")
        return products

    return list(_cached("products", _kb_dir(settings) / "products", "*.yaml", build))


def find_product(name: str, settings: Settings | None = None) -> Product | None:
    """Catalogue product whose id, name or alias (then subject) matches, ignoring case/width/spaces."""
    key = norm_key(name or "")
    if not key:
        return None
    products = load_products(settings)
    for product in products:
        if key in {norm_key(product.id), norm_key(product.name), *map(norm_key, product.aliases)}:
            return product
    by_subject = [p for p in products if p.subject and norm_key(p.subject) == key]
    return by_subject[0] if len(by_subject) == 1 else None


def _terms(text: str) -> list[str]:
    """Meaningful words of a short phrase: whole runs plus the trailing noun (2-3 chars)."""
    clean = unicodedata.normalize("NFKC", text).lower()
    for fluff in _FLUFF:
        clean = clean.replace(fluff, " ")
    out: list[str] = []
    for part in _SPLIT.split(clean):
        for run in _CJK_RUN.findall(part):
            if len(run) < 2:
                continue
            out.append(run)
            if re.fullmatch(r"[\u4e00-\u9fff]+", run) and len(run) > 3:
                out.extend([run[-3:], run[-2:]])
    return out


def resolve_product(
    name: str,
    category: str | None = None,
    points: Sequence[str] = (),
    settings: Settings | None = None,
) -> Product:
    """The catalogue product called `name`, else an ad hoc product built from the name and points."""
    if name is None or not str(name).strip():
        raise InputError("产品名不能为空，请写上今天要推的产品，例如：亮白牙膏", field="product")
    name = re.sub(r"\s+", " ", str(name)).strip()
    if len(name) > MAX_PRODUCT_NAME:
        raise InputError(
            f"产品名太长（{len(name)} 个字），请控制在 {MAX_PRODUCT_NAME} 个字以内，卖点请单独填写",
            field="product",
        )
    found = find_product(name, settings)
    if found is not None:
        return found
    points = [p.strip() for p in points if p and p.strip()]
    keywords: list[str] = []
    for term in [*_terms(name), *(t for p in points for t in _terms(p))]:
        if term not in keywords:
            keywords.append(term)
    category = (category or "").strip() or ADHOC_CATEGORY
    return Product(
        id="adhoc-" + stable_id(norm_key(name), category),
        name=name,
        category=category,
        subject=name,
        selling_points=points,
        keywords=keywords or [name],
        ad_hoc=True,
    )


# --------------------------------------------------------------------------- audiences


def load_audiences(settings: Settings | None = None) -> list[Audience]:
    """Every persona in `knowledge_base/audiences/*.yaml`."""

    def build(files: list[Path]) -> list[Audience]:
        audiences = [a for f in files for a in _yaml_items(f, Audience)]
        _unique(audiences, files, "群类型")
        return audiences

    return list(_cached("audiences", _kb_dir(settings) / "audiences", "*.yaml", build))


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


# --------------------------------------------------------------------------- cases


class Case(BaseModel):
    """A case study or a Huati playbook from `knowledge_base/cases/*.md`."""

    id: str
    title: str
    kind: Literal["case", "playbook"]
    brand: str = ""
    industry: str = ""
    platform: str = ""
    audience: list[str] = []
    tactics: list[str] = []
    categories: list[str] = []
    source: str
    body: str
    path: str = ""

    @field_validator("audience", "tactics", "categories", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v for v in re.split(r"[,，、]\s*", value) if v]
        return [] if value is None else value

    @field_validator("id", "title", "source", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空")
        return value.strip()


CASE_REQUIRED = ("id", "title", "kind", "source")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, body's first line). ValueError(line, reason) when the fences are wrong."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ValueError(1, "缺少 YAML 头部：文件第一行应是 ---")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise ValueError(1, "YAML 头部没有结束：找不到第二个 ---")


def parse_case(path: Path | str, text: str | None = None, kb_dir: Path | None = None) -> Case:
    """One case file; DataError `path:line: reason` if malformed."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(path, 1, "文件不是 UTF-8 编码") from exc
    try:
        head, body, body_line = split_front_matter(text)
    except ValueError as exc:
        line, reason = exc.args
        raise _fail(path, line, reason) from exc
    try:
        node = yaml.compose(head, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        raise _fail(path, _yaml_line(exc) + 1, f"YAML 头部格式错误：{_yaml_problem(exc)}") from exc
    if not isinstance(meta, dict):
        raise _fail(path, 2, "YAML 头部应是键值对（字段: 值）")
    key_lines = {k.value: k.start_mark.line + 2 for k, _v in node.value} if node else {}
    missing = [f for f in CASE_REQUIRED if meta.get(f) in (None, "")]
    if missing:
        raise _fail(path, 1, f"YAML 头部缺少必填字段：{', '.join(missing)}")
    if not body.strip():
        raise _fail(path, body_line, "正文为空")
    rel = path
    if kb_dir is not None:
        try:
            rel = path.resolve().relative_to(kb_dir.resolve().parent)
        except ValueError:
            pass
    text_fields = ("id", "title", "brand", "industry", "platform", "source")
    data = {k: (str(v) if k in text_fields and v is not None else v) for k, v in meta.items()}
    try:
        return Case.model_validate({**data, "body": body, "path": str(rel)})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        line = body_line if field == "body" else key_lines.get(field, 1)
        raise _fail(path, line, _reason(err)) from exc


def load_cases(settings: Settings | None = None, errors: list[DataError] | None = None) -> list[Case]:
    """Every case in `knowledge_base/cases/*.md`.

    Malformed files raise DataError, or, when `errors` is a list, are appended there and skipped.
    """
    kb = _kb_dir(settings)

    def build(files: list[Path]) -> tuple[list[Case], list[DataError]]:
        cases: list[Case] = []
        problems: list[DataError] = []
        seen: dict[str, Path] = {}
        for f in files:
            if f.name.startswith(("_", "README")):
                continue
            try:
                case = parse_case(f, kb_dir=kb)
            except DataError as exc:
                problems.append(exc)
                continue
            if case.id in seen:
                problems.append(_fail(f, 2, f"案例 id 与 {_display(seen[case.id])} 重复：{case.id}"))
                continue
            seen[case.id] = f
            cases.append(case)
        return cases, problems

    cases, problems = _cached("cases", kb / "cases", "*.md", build)
    if errors is None and problems:
        raise problems[0]
    if errors is not None:
        errors.extend(problems)
    return list(cases)
