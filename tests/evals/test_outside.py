"""The outside split: loading, fixed splits, logged label changes, list coverage, a second labeller."""

from __future__ import annotations

import json

import pytest

from assistant.errors import InputError
from evals.calibrate_outside import calibrate_outside
from evals.metrics import cohen_kappa
from evals.outside import held_out, load_outside


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


def _list_row(i, word, position, topic, compliant, product="床垫"):
    return {
        "id": f"L{i:04d}",
        "topic": topic,
        "product": product,
        "category": "家居日用" if product else "非商品/日常",
        "labels": {"compliant": compliant},
        "word": word,
        "group": "绝对化用语",
        "position": position,
        "lists": ["tiny_list"],
        "list_groups": {"tiny_list": "极限词"},
        "source": "a public list",
        "why": "",
    }


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    (folder / "lists").mkdir(parents=True)
    (folder / "lists" / "tiny.yaml").write_text(
        "name: tiny_list\ngroups:\n  极限词: [顶级, 唯一]\n", encoding="utf-8"
    )
    _write(
        folder / "compliance_lists.jsonl",
        [
            _list_row(1, "顶级", "start", "顶级品质的床垫到货了，团购价299元。", False),
            _list_row(2, "顶级", "middle", "各位邻居，这款床垫是顶级工艺，周五发货。", False),
            _list_row(3, "唯一", "start", "唯一的床垫到货了，要的群里接龙。", False),
            _list_row(4, "唯一", "middle", "这款床垫软硬适中，你们睡过吗？", False),  # the word is not there
            _list_row(5, "唯一", "negative", "你是家里唯一的孩子吗？", True, product=""),
        ],
    )
    topics = [
        {
            "id": "O0001",
            "topic": "你家宝宝晚上会夜醒吗？",
            "product": "婴儿安睡袋",
            "category": "母婴用品",
            "labels": {
                "compliant": True,
                "low_barrier": True,
                "relevant": True,
                "tone_ok": True,
                "good": True,
            },
            "kind": "article_topic",
            "source": "某篇社群文章 | http://example.invalid/a",
            "why": "问自家习惯",
            "unsure": False,
        },
        {
            "id": "O0002",
            "topic": "你家宝宝晚上会夜醒吗？",
            "product": "机油",
            "category": "汽车用品",
            "labels": {
                "compliant": True,
                "low_barrier": True,
                "relevant": False,
                "tone_ok": True,
                "good": False,
            },
            "kind": "relevance_pair",
            "pair_of": "O0001",
            "source": "换了个无关商品",
            "why": "和机油无关",
            "unsure": False,
        },
    ]
    _write(folder / "outside_topics.jsonl", topics)
    return folder


def test_splits_are_fixed_by_word_and_by_source(outside):
    rows, changes = load_outside(outside)
    assert changes == [] and len(rows) == 7
    by_id = {r.id: r for r in rows}
    assert by_id["L0001"].split == by_id["L0002"].split == ("held_out" if held_out("顶级") else "tune")
    assert by_id["O0002"].split == by_id["O0001"].split  # the pair follows the topic it was made from
    assert by_id["L0005"].checks() == ["compliance"] and by_id["O0002"].checks() == [
        "compliance",
        "low_barrier",
        "relevance",
        "tone",
    ]


def test_label_changes_are_applied_only_with_a_reason(outside):
    path = outside / "label_changes.jsonl"
    _write(path, [{"id": "O0001", "dimension": "tone_ok", "from": True, "to": False, "reason": "写法像广告"}])
    rows, changes = load_outside(outside)
    row = next(r for r in rows if r.id == "O0001")
    assert row.labels["tone_ok"] is False and row.first["tone_ok"] is True and len(changes) == 1
    for bad in (
        {"id": "O0001", "dimension": "tone_ok", "from": False, "to": True, "reason": "x"},  # not the label
        {"id": "O0001", "dimension": "tone_ok", "from": True, "to": False, "reason": " "},  # no reason
        {"id": "NOPE", "dimension": "tone_ok", "from": True, "to": False, "reason": "x"},
    ):
        _write(path, [bad])
        with pytest.raises(InputError) as exc:
            load_outside(outside)
        assert f"{path}:1:" in exc.value.message


def test_coverage_counts_a_word_in_a_position_only_when_every_sentence_is_caught(outside):
    result = calibrate_outside(outside)
    tiny = result["coverage"]["tiny_list"]
    assert tiny["positions"]["start"]["coverage"] == 1.0  # 顶级 and 唯一 at the start are both caught
    assert tiny["positions"]["middle"]["pairs"] == 2
    assert tiny["positions"]["middle"]["coverage"] == 0.5  # the sentence without the word is not caught
    assert tiny["meets_target"] is False and tiny["groups"]["极限词"]["pairs"] == 4
    assert {t["target"] for t in result["targets"]} >= {"compliance recall ≥ 0.95", "relevance κ ≥ 0.8"}
    listed = {d["id"] for d in result["disagreements"]}
    rows, _ = load_outside(outside)
    assert all(r.split == "tune" for r in rows if r.id in listed)  # held-out rows are counted, not shown
    assert result["second_labeller"] is None


def test_second_labeller_kappa_per_dimension(outside):
    second = outside / "second_labels.jsonl"
    _write(
        second,
        [
            {"id": "L0001", "labels": {"compliant": False}, "unsure": False, "why": "顶级是极限词"},
            {"id": "L0003", "labels": {"compliant": False}, "unsure": False, "why": ""},
            {"id": "L0005", "labels": {"compliant": False}, "unsure": True, "why": "拿不准"},
            {"id": "O0001", "labels": {"compliant": True, "relevant": True}, "unsure": False, "why": ""},
        ],
    )
    result = calibrate_outside(outside)["second_labeller"]
    compliant = result["dimensions"]["compliant"]
    # first: F, F, T, T ; second: F, F, F, T -> po 0.75, pe 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa 0.5
    assert compliant["n"] == 4 and compliant["kappa"] == pytest.approx(0.5)
    assert cohen_kappa(compliant["confusion"]) == pytest.approx(0.5)
    assert result["dimensions"]["relevant"]["n"] == 1
    assert [d["id"] for d in result["disagreements"]] == ["L0005"]
    _write(second, [{"id": "X9", "labels": {"compliant": True}}])
    with pytest.raises(InputError) as exc:
        calibrate_outside(outside)
    assert f"{second}:1:" in exc.value.message


def test_the_shipped_outside_sets_load_with_their_splits():
    rows, changes = load_outside()
    assert len(rows) == 2102 + 367
    assert {r.split for r in rows} == {"tune", "held_out"}
    held = sum(r.split == "held_out" for r in rows) / len(rows)
    assert 0.2 < held < 0.4
    assert all(c["reason"] for c in changes)
