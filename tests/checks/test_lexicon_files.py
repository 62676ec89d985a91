"""Word lists are data: edits take effect, broken files give `path:line: reason`."""

from __future__ import annotations

import shutil

import pytest

from assistant.checks import lexicon as lexfiles
from assistant.checks import run_checks, versions
from assistant.errors import DataError
from assistant.settings import REPO_ROOT, reset_settings


@pytest.fixture
def kb(tmp_path, monkeypatch):
    target = tmp_path / "kb"
    shutil.copytree(REPO_ROOT / "knowledge_base", target)
    monkeypatch.setenv("HUATI_KB_DIR", str(target))
    reset_settings()
    lexfiles.reset()
    yield target
    reset_settings()
    lexfiles.reset()


def test_new_term_takes_effect(kb):
    topic = "银河特级牙膏到货了，你们用过吗？"
    assert run_checks(topic, "亮白牙膏").checks["compliance"].passed
    path = kb / "compliance" / "lexicon.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "', 'version: "test-', 1)
    text = text.replace("terms: [国家级,", "terms: [银河特级, 国家级,", 1)
    path.write_text(text, encoding="utf-8")
    lexfiles.reset()
    report = run_checks(topic, "亮白牙膏")
    assert not report.checks["compliance"].passed
    assert report.checks["compliance"].details["lexicon_version"].startswith("test-")
    assert versions()["compliance_lexicon"].startswith("test-")


def test_broken_lexicon_names_the_line(kb):
    path = kb / "style" / "tone.yaml"
    path.write_text("version: 1\nhard_sell: [unclosed\n", encoding="utf-8")
    lexfiles.reset()
    with pytest.raises(DataError) as exc:
        run_checks("你刷牙吗？", "亮白牙膏")
    assert str(path) in str(exc.value) and ":" in str(exc.value)
