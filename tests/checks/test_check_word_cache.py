"""The word vectors behind relevance's meaning evidence: embedded once, reused from memory and from the home's
cache, and embedded again when what they were made from changes (another home, a broken file, another library)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.checks import check_topic, semantic
from assistant.checks.batch import check_lines
from assistant.checks.catalogue_terms import words
from assistant.checks.normalize import normalize
from assistant.checks.profile_terms import terms_for
from assistant.checks.scenes import scene_words
from assistant.knowledge import resolve_product
from assistant.retrieval.embeddings import UsemEmbedder

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded(monkeypatch):
    """Every text the offline model is asked to embed, call by call."""
    calls: list[list[str]] = []
    real = UsemEmbedder.embed

    def spy(self, texts):
        calls.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(UsemEmbedder, "embed", spy)
    return calls


@pytest.fixture
def fresh(huati_env):
    semantic.clear()
    yield huati_env
    semantic.clear()


def _folder(settings) -> Path:
    return settings.home / "cache" / "check-words" / "usem"


def test_a_word_is_embedded_once_per_process(fresh, embedded):
    semantic.VECTORS.get(["爬山", "露营"], fresh)
    first = len(embedded)
    assert any("爬山" in c for c in embedded)
    again = semantic.VECTORS.get(["露营", "爬山"], fresh)
    assert len(embedded) == first  # from memory
    assert again.shape == (2, 512)
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-2)


def test_the_cache_is_reused_by_a_new_process_of_the_same_home(fresh, embedded):
    before = semantic.VECTORS.get(["爬山"], fresh)
    assert list(_folder(fresh).glob("*.npz"))
    semantic.clear()  # what a new process has: only the files
    embedded.clear()
    after = semantic.VECTORS.get(["爬山"], fresh)
    assert embedded == []
    assert np.allclose(before, after, atol=1e-2)  # stored as float16


def test_another_home_has_its_own_cache(fresh, embedded, tmp_path):
    semantic.VECTORS.get(["爬山"], fresh)
    other = fresh.model_copy(update={"home": tmp_path / "other-home"})
    semantic.clear()
    embedded.clear()
    semantic.VECTORS.get(["爬山"], other)
    assert any("爬山" in c for c in embedded)  # not read from the first home
    assert list(_folder(other).glob("*.npz"))


def test_a_broken_cache_file_is_ignored_and_the_word_embedded_again(fresh, embedded):
    semantic.VECTORS.get(["爬山"], fresh)
    for path in _folder(fresh).glob("*.npz"):
        path.write_bytes(b"not a numpy archive")
    semantic.clear()
    embedded.clear()
    vec = semantic.VECTORS.get(["爬山"], fresh)
    assert any("爬山" in c for c in embedded)
    assert vec.shape == (1, 512)


def test_shards_are_merged_and_keep_every_word(fresh, monkeypatch):
    monkeypatch.setattr(semantic, "MAX_SHARDS", 3)
    words = ["爬山", "露营", "钓鱼", "骑行", "滑雪", "跑步"]
    for w in words:
        semantic.VECTORS.get([w], fresh)
    assert len(list(_folder(fresh).glob("*.npz"))) <= 3
    semantic.clear()
    semantic.VECTORS._load(fresh)
    assert set(words) <= set(semantic.VECTORS.vectors)


def test_a_batch_embeds_the_words_of_all_its_topics_in_one_call(fresh, embedded):
    topics = ["周末你会去爬山还是露营？", "你钓过鱼吗？", "冬天你还骑行吗？", "你第一次滑雪是几岁？"]
    lines = [(t, "大容量保温杯", "日用品", None, None, []) for t in topics]
    out = check_lines(lines)
    assert len(out) == len(topics)
    stop = words().stop
    found = {w.text for t in topics for w in semantic.words_of(normalize(t).text, stop=stop)}
    carrying = [c for c in embedded if found & set(c)]
    assert len(carrying) == 1, carrying  # one call for every topic's words
    assert found <= set(carrying[0])
    # and the results are those of checking each topic alone
    alone = [check_topic(t, "大容量保温杯", category="日用品").public_dict() for t in topics]
    assert [json.loads(o)["checks"]["relevance"] for o in out] == [a["checks"]["relevance"] for a in alone]


def test_meaning_evidence_is_the_same_cold_and_warm(fresh):
    product = resolve_product("一人食电饭煲", category="厨房电器")
    from assistant.checks.relevance import check_relevance

    cold = check_relevance("早上你会预约煮粥吗？", product)
    warm = check_relevance("早上你会预约煮粥吗？", product)
    semantic.clear()
    reloaded = check_relevance("早上你会预约煮粥吗？", product)
    assert cold.details["semantic"] == warm.details["semantic"]
    assert cold.passed == reloaded.passed
    assert cold.details["semantic"]["word"] == reloaded.details["semantic"]["word"]


def test_scene_words_follow_the_library(tmp_path):
    from assistant.products.library import load_library
    from assistant.settings import Settings

    kb = tmp_path / "kb"
    shutil.copytree(REPO / "knowledge_base" / "product_types", kb / "product_types")
    settings = Settings(kb_dir=kb, home=tmp_path / "home")
    lib = load_library(settings)
    before = scene_words(lib)
    assert "煮粥" in before["small-appliances-rice-cooker"]
    path = kb / "product_types" / "small-appliances.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("煮粥", "熬稀饭"), encoding="utf-8")
    changed = load_library(settings)
    assert changed.digest != lib.digest
    after = scene_words(changed)
    assert "煮粥" not in after["small-appliances-rice-cooker"]
    assert (
        "稀饭" in after["small-appliances-rice-cooker"] or "熬稀饭" in after["small-appliances-rice-cooker"]
    )
    assert scene_words(lib) == before  # keyed by the library's content: the old one gives the old words


def test_product_terms_follow_the_product():
    plain = resolve_product("大容量保温杯", category="日用品")
    named = plain.model_copy(update={"aliases": ["焖烧壶"]})
    assert "焖烧壶" not in terms_for(plain).names
    assert "焖烧壶" in terms_for(named).names
