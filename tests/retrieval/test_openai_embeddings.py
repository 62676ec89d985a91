"""The OpenAI-compatible embeddings provider, through the real openai client against a local server."""

from datetime import date

import pytest
from fake_openai import EMBEDDING_DIM, FakeOpenAI, free_port
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.errors import IndexError_, ProviderError
from assistant.retrieval import search
from assistant.retrieval.index import IndexStore
from assistant.retrieval.ingest import ingest
from assistant.settings import get_settings, reset_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def openai_kb(tiny_kb, server, monkeypatch):
    from assistant.retrieval.embeddings import clear_cache

    server.reset()
    server.embedding_fail_status = None
    monkeypatch.setenv("HUATI_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("HUATI_EMBEDDING_BASE_URL", server.base_url)
    monkeypatch.setenv("HUATI_EMBEDDING_API_KEY", "sk-test-embed")
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("HUATI_LLM_TIMEOUT", "10")
    reset_settings()
    clear_cache()
    yield get_settings()
    clear_cache()


def test_ingest_and_search_through_the_endpoint(openai_kb, server):
    report = ingest(settings=openai_kb, progress=False)
    assert report.errors == [] and report.embedding == "openai:text-embedding-3-small"
    assert IndexStore(openai_kb).manifest()["embedding"] == {
        "name": "openai:text-embedding-3-small",
        "dim": EMBEDDING_DIM,
    }
    sent = [t for body in server.embedding_requests for t in body["input"]]
    assert len(sent) == report.chunks_added  # every chunk embedded once, by the endpoint
    assert {b["model"] for b in server.embedding_requests} == {"text-embedding-3-small"}
    assert server.embedding_auth[0] == "Bearer sk-test-embed"
    before = len(server.embedding_requests)
    hits = search("猫粮 挑食", kind="cases", k=2, settings=openai_kb)
    assert hits[0].metadata["case_id"] == "pets"
    assert len(server.embedding_requests) == before + 1  # the query is embedded by the same endpoint
    trends = search("寒潮", kind="trends", date=date(2026, 12, 20), settings=openai_kb)
    assert trends[0].title == "冬至前的寒潮"


def test_cli_search_shows_the_openai_model(openai_kb):
    ingest(settings=openai_kb, progress=False)
    result = runner.invoke(app, ["search", "饺子", "--kind", "cases"])
    assert result.exit_code == 0, result.output
    assert "openai:text-embedding-3-small" in result.output


def test_switching_model_is_refused(openai_kb, monkeypatch):
    from assistant.retrieval.embeddings import clear_cache

    ingest(settings=openai_kb, progress=False)
    monkeypatch.setenv("HUATI_EMBEDDING_MODEL", "bge-m3")
    reset_settings()
    clear_cache()
    with pytest.raises(IndexError_) as info:
        search("饺子", settings=get_settings())
    assert "openai:text-embedding-3-small" in info.value.message and "openai:bge-m3" in info.value.message
    assert "HUATI_EMBEDDING_MODEL=text-embedding-3-small" in str(info.value)
    result = runner.invoke(app, ["ingest", "-q"])
    assert result.exit_code == 6 and "不能混用" in result.output
    rebuilt = ingest(settings=get_settings(), progress=False, rebuild=True)
    assert rebuilt.embedding == "openai:bge-m3" and not rebuilt.errors


@pytest.mark.parametrize(
    ("status", "expected"),
    [(500, "返回 HTTP 500"), (401, "拒绝了密钥"), (404, "找不到模型 text-embedding-3-small")],
)
def test_endpoint_errors_are_clear(openai_kb, server, status, expected):
    server.embedding_fail_status = status
    result = runner.invoke(app, ["ingest", "-q"])
    assert result.exit_code == ProviderError.exit_code
    assert expected in result.output and server.base_url in result.output
    assert "Traceback" not in result.output and "Error code" not in result.output
    assert not IndexStore(openai_kb).exists()  # nothing half-written


def test_unreachable_endpoint(openai_kb, monkeypatch):
    from assistant.retrieval.embeddings import clear_cache

    url = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("HUATI_EMBEDDING_BASE_URL", url)
    reset_settings()
    clear_cache()
    result = runner.invoke(app, ["ingest", "-q"])
    assert result.exit_code == ProviderError.exit_code and f"连不上向量服务 {url}" in result.output


def test_openai_environment_variables_are_honoured(tiny_kb, server, monkeypatch):
    from assistant.retrieval.embeddings import clear_cache

    server.reset()
    server.embedding_fail_status = None
    monkeypatch.setenv("HUATI_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "0")
    reset_settings()
    clear_cache()
    try:
        result = runner.invoke(app, ["search", "冬至", "--kind", "cases", "--json"])
        assert result.exit_code == 0, result.output
        assert server.embedding_auth and set(server.embedding_auth) == {"Bearer sk-from-openai-env"}
        # The HUATI_ variables win over the conventional ones.
        monkeypatch.setenv("HUATI_EMBEDDING_API_KEY", "sk-huati")
        reset_settings()
        assert get_settings().embedding_api_key.get_secret_value() == "sk-huati"
        assert get_settings().embedding_base_url == server.base_url
    finally:
        clear_cache()
