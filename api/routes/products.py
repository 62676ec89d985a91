"""How Huati reads a product: the same JSON as `huati product explain --json`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ApiKeyDep, SettingsDep
from api.routing import AuthFirstRoute
from api.schemas import problems
from assistant.products.explain import ProductExplanation, explain

router = APIRouter(prefix="/v1", tags=["products"], route_class=AuthFirstRoute)


class ProductExplain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200, description="商品名，例如：加厚防滑儿童雨靴")
    category: str | None = Field(None, max_length=50, description="品类，例如：童装")
    points: list[str] = Field([], max_length=20, description="卖点，例如：[防滑, 加厚]")


@router.post(
    "/products/explain",
    response_model=ProductExplanation,
    summary="商品理解：类型、性质、场景、把握和理由",
    responses=problems(),
)
def explain_product(body: ProductExplain, settings: SettingsDep, _key: ApiKeyDep) -> ProductExplanation:
    return explain(body.name, body.category, body.points, settings=settings)
