"""A local OpenAI-protocol chat server on 127.0.0.1 (FastAPI + uvicorn in a thread) for tests and benchmarks.

- `POST /v1/chat/completions`: JSON or streaming SSE (`data: {...}` ... `data: [DONE]`), with `usage`
  (and a final usage chunk when `stream_options.include_usage`), after a configurable latency.
- The reply comes from `responder(body) -> str`; the default writes valid Huati topics for the product
  named in the prompt (draft requests get a `topics` list, revise requests one topic).
- Counts calls and the peak number of concurrent requests.
- `POST /v1/embeddings`: deterministic vectors (`fake_embedding`: hashed character 1-2-grams, so texts
  sharing characters are near), `encoding_format` float or base64, `embedding_dim` wide; fails with
  `embedding_fail_status` when set; requests kept in `embedding_requests`.

    with FakeOpenAI(latency=1.0) as server:
        ChatOpenAI(base_url=server.base_url, api_key="x", model="fake-model")
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

MODEL = "fake-huati-1"

_NOUN = re.compile(r'"日常叫法":\s*"([^"]+)"')


def _text(body: dict[str, Any]) -> str:
    parts = []
    for m in body.get("messages", []):
        c = m.get("content")
        parts.append(c if isinstance(c, str) else json.dumps(c, ensure_ascii=False))
    return "\n".join(parts)


def default_responder(body: dict[str, Any]) -> str:
    """The package's fake model replies (`assistant.llm.fake`), chosen by what the prompt asks for."""
    from assistant.llm.fake import default_reply, purpose_of

    prompt = _text(body)
    return default_reply(purpose_of(prompt), prompt)


def failing_responder(failures: int = 2) -> Callable[[dict[str, Any]], str]:
    """Draft replies whose first `failures` topics are quizzes (they fail the low-barrier check and get
    revised); revise replies are good topics."""

    def respond(body: dict[str, Any]) -> str:
        prompt = _text(body)
        text = default_responder(body)
        if "候选群话题" not in prompt:
            return text
        data = json.loads(text)
        noun = (_NOUN.search(prompt) or re.match("(.*)", "牙膏")).group(1)  # type: ignore[union-attr]
        for topic in data["topics"][:failures]:
            topic["question"] = f"你知道{noun}的工作原理是什么吗？"
        return json.dumps(data, ensure_ascii=False)

    return respond


EMBEDDING_DIM = 64


def fake_embedding(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """Deterministic, unnormalised vector of `text`: signed hashed character unigrams and bigrams."""
    import hashlib

    vec = [0.0] * dim
    grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
    for gram in grams or [" "]:
        h = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "little")
        vec[h % dim] += (1.0 if (h >> 63) & 1 else -1.0) * len(gram)
    return vec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app(server: FakeOpenAI) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL, "object": "model"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await request.json()
        server.requests.append(body)
        server.started_at.append(time.monotonic())
        server.active += 1
        server.peak = max(server.peak, server.active)
        try:
            await asyncio.sleep(server.latency)
            if server.fail_status:
                return JSONResponse(
                    {"error": {"message": "fake failure", "type": "server_error"}},
                    status_code=server.fail_status,
                )
            content = server.responder(body)
        finally:
            server.active -= 1
        prompt_tokens = max(1, len(_text(body)) // 2)
        completion_tokens = max(1, len(content) // 2)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        cid = "chatcmpl-" + uuid.uuid4().hex[:12]
        model = body.get("model", MODEL)
        if not body.get("stream"):
            return {
                "id": cid,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            }

        async def events() -> Any:
            def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
                data = {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    **extra,
                }
                return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            for i in range(0, len(content), 8):
                yield chunk({"content": content[i : i + 8]})
            yield chunk({}, "stop")
            if (body.get("stream_options") or {}).get("include_usage"):
                data = {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
                yield f"data: {json.dumps(data)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Any:
        import base64
        import struct

        body = await request.json()
        server.embedding_requests.append(body)
        server.embedding_auth.append(request.headers.get("authorization", ""))
        if server.embedding_fail_status:
            return JSONResponse(
                {"error": {"message": "fake embedding failure", "type": "server_error"}},
                status_code=server.embedding_fail_status,
            )
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return JSONResponse(
                {
                    "error": {
                        "message": "input must be a string or a list of strings",
                        "type": "invalid_request_error",
                    }
                },
                status_code=400,
            )
        data = []
        for i, text in enumerate(texts):
            vec = fake_embedding(text, server.embedding_dim)
            if body.get("encoding_format") == "base64":
                vec = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
            data.append({"object": "embedding", "index": i, "embedding": vec})
        tokens = sum(len(t) for t in texts)
        return {
            "object": "list",
            "data": data,
            "model": body.get("model", MODEL),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return app


class FakeOpenAI:
    def __init__(
        self,
        latency: float = 0.0,
        responder: Callable[[dict[str, Any]], str] | None = None,
        fail_status: int | None = None,
    ):
        self.latency = latency
        self.responder = responder or default_responder
        self.fail_status = fail_status
        self.embedding_dim = EMBEDDING_DIM
        self.embedding_fail_status: int | None = None
        self.embedding_requests: list[dict[str, Any]] = []
        self.embedding_auth: list[str] = []  # Authorization header of each embeddings request
        self.requests: list[dict[str, Any]] = []
        self.started_at: list[float] = []
        self.active = 0
        self.peak = 0
        self.port = free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        self.requests.clear()
        self.started_at.clear()
        self.peak = 0
        self.embedding_requests.clear()
        self.embedding_auth.clear()

    def waves(self) -> int:
        """Sequential round trips seen: requests starting within half the latency belong to one wave."""
        count, last = 0, None
        for t in sorted(self.started_at):
            if last is None or t - last > max(self.latency / 2, 0.05):
                count += 1
                last = t
        return count

    def start(self) -> FakeOpenAI:
        import uvicorn

        config = uvicorn.Config(
            make_app(self),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            limit_concurrency=1000,
            backlog=2048,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- appended for the drafting chain (helper A2): distinct failing topics, a flaky endpoint

_QUIZZES = [
    "你知道{noun}的工作原理是什么吗？",
    "考考大家：{noun}里面有哪几个核心部件？",
    "你能说清楚{noun}和同类产品在技术上有什么区别吗？",
]


def quiz_responder(failures: int = 2) -> Callable[[dict[str, Any]], str]:
    """Like `failing_responder`, but the first `failures` (<= 3) draft topics are *different* quizzes, so
    none of them is dropped as a near-duplicate of another before being revised."""

    def respond(body: dict[str, Any]) -> str:
        prompt = _text(body)
        text = default_responder(body)
        if "候选群话题" not in prompt:
            return text
        data = json.loads(text)
        m = _NOUN.search(prompt)
        noun = m.group(1) if m else "牙膏"
        for topic, quiz in zip(data["topics"][:failures], _QUIZZES, strict=False):
            topic["question"] = quiz.format(noun=noun)
        return json.dumps(data, ensure_ascii=False)

    return respond


def flaky_responder(
    failures: int, status: int = 503, then: Callable[[dict[str, Any]], str] | None = None
) -> Callable[[dict[str, Any]], str]:
    """The first `failures` requests get an HTTP `status` error (retryable for the OpenAI client), then
    `then` (default: `default_responder`) answers."""
    from fastapi import HTTPException

    left = [failures]

    def respond(body: dict[str, Any]) -> str:
        if left[0] > 0:
            left[0] -= 1
            raise HTTPException(status_code=status, detail="fake overload")
        return (then or default_responder)(body)

    return respond
