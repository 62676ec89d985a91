"""With the knowledge base indexed, the LLM chain retrieves case excerpts as quoted data and cites them."""

from __future__ import annotations

import json
from datetime import date

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.drafting import draft_plan
from assistant.models import PlanRequest


class Recording(FakeListChatModel):
    seen: list = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # noqa: ANN001, ANN202
        self.seen.append(messages)
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)


def test_cases_enter_the_prompt_and_sources(indexed_home):
    topics = [{"type": "experience", "question": "你有没有用完还一直回购的牙膏？"},
              {"type": "either_or", "question": "买牙膏的时候，你更看重价格还是口碑？"}]  # fmt: skip
    model = Recording(responses=[json.dumps({"topics": topics}, ensure_ascii=False)], seen=[])
    req = PlanRequest(product="亮白牙膏", audience="宝妈群", date=date(2026, 12, 21), n=2, engine="llm")
    plan = draft_plan(req, chat_model=model, settings=indexed_home, save=False)
    assert plan.engine == "llm"
    cases = [s for s in plan.sources if s.kind == "case"]
    assert cases, plan.sources
    user = model.seen[0][1].content
    block = user[user.index("运营案例摘录") :]
    assert cases[0].title in block.split("DATA>>>")[0]
