"""The built-in fake chat model (`HUATI_LLM_PROVIDER=fake`): no network, deterministic replies shaped like a
real model's for each purpose, so the LLM path runs end to end offline (demos, tests). Tests may also queue
exact `responses`, which are returned in turn (cycling)."""

from __future__ import annotations

import json
import re
from itertools import cycle
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

_NOUN = re.compile(r'"日常叫法":\s*"([^"]+)"')
_QUESTION = re.compile(r'"question":\s*"([^"]+)"')
_TOPICS = [
    ("experience", "你第一次{verb}{noun}是什么时候？还记得当时的感觉吗？"),
    ("either_or", "买{noun}的时候，你更看重价格还是口碑？"),
    ("photo_share", "晒一晒你家正在用的{noun}吧，看看谁和你是同款～"),
    ("tips_swap", "关于{noun}，你有什么自己摸索出来的小窍门？"),
    ("confession", "吐槽一下：关于{noun}，你踩过最大的坑是啥？"),
]


def _draft(prompt: str) -> dict[str, Any]:
    m = _NOUN.search(prompt)
    noun = m.group(1) if m else "牙膏"
    return {
        "topics": [
            {
                "type": kind,
                "opening": "",
                "question": question.format(noun=noun, verb="用"),
                "hook_kind": "scenario",
                "hook_title": "日常",
                "bridge": f"说到{noun}，今天群里有一款不错的，感兴趣可以看看链接～",
                "follow_ups": ["我先来说说我的～", "还有谁想聊聊？"],
            }
            for kind, question in _TOPICS
        ]
    }


def purpose_of(prompt: str) -> str:
    """The purpose a rendered prompt was written for (the fake OpenAI server has no other clue)."""
    if "候选群话题" in prompt:
        return "draft"
    if "改写" in prompt:
        return "revise"
    if '"pass"' in prompt:
        return "judge"
    return "chat"


def default_reply(purpose: str, prompt: str) -> str:
    if purpose == "draft":
        return json.dumps(_draft(prompt), ensure_ascii=False)
    if purpose == "revise":
        topic = _draft(prompt)["topics"][1]
        original = _QUESTION.search(prompt)
        if original and original.group(1) == topic["question"]:
            topic = _draft(prompt)["topics"][0]
        return json.dumps(topic, ensure_ascii=False)
    if purpose == "judge":
        reason = "内置假模型没有真正评判（HUATI_LLM_PROVIDER=fake）"
        return json.dumps({"pass": True, "score": 0.5, "reasons": [reason], "spans": []}, ensure_ascii=False)
    return "我是内置的假模型，只用来演示和测试；要真正对话，请设置 HUATI_LLM_BASE_URL 和 HUATI_LLM_MODEL。"


class FakeChatModel(BaseChatModel):
    """Deterministic chat model: queued `responses` in turn, else `default_reply(purpose, prompt)`."""

    purpose: str = "draft"
    model_name: str = "huati-fake"
    responses: list[str] = Field(default_factory=list)
    _queue: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "huati-fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> FakeChatModel:
        return self  # never calls a tool: the chat agent answers in text

    def _reply(self, prompt: str) -> str:
        if self.responses:
            if self._queue is None:
                self._queue = cycle(self.responses)
            return str(next(self._queue))
        return default_reply(self.purpose, prompt)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        text = self._reply(prompt)
        usage = {
            "input_tokens": len(prompt),
            "output_tokens": len(text),
            "total_tokens": len(prompt) + len(text),
        }
        message = AIMessage(content=text, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])
