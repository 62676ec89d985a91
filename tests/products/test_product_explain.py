"""`huati product explain` and `POST /v1/products/explain`, through their own modules."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from assistant.products.explain import explain


@pytest.fixture
def cli():
    from assistant.cli import product
    from assistant.cli.common import wrap_commands

    app = typer.Typer()
    product.register(app)
    wrap_commands(app)
    return app


def test_explain_names_the_type_and_why():
    found = explain("加厚防滑儿童雨靴男女童", "童装", ["鞋底防滑"])
    assert found.profile.type_id == "kids-wear-rain-boots" and not found.low_confidence
    assert found.matches[0].chosen and found.matches[0].type_id == "kids-wear-rain-boots"
    assert found.matches[0].score == found.profile.confidence
    assert found.why[0].startswith("认作「儿童雨靴」（童装童鞋，穿戴）")
    assert found.points == ["鞋底防滑"] and found.category == "童装"


def test_explain_a_guess_lists_hints():
    found = explain("asdf")
    assert found.low_confidence and found.profile.basis == "name" and found.hints
    assert found.why[0].startswith("没认出是什么")


def test_cli_json_is_the_explanation(cli):
    result = CliRunner().invoke(
        cli, ["product", "explain", "加厚防滑儿童雨靴", "-c", "童装", "--points", "防滑，加厚", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == explain("加厚防滑儿童雨靴", "童装", ["防滑", "加厚"]).model_dump(mode="json")
    assert data["profile"]["type_id"] == "kids-wear-rain-boots" and data["points"] == ["防滑", "加厚"]


def test_cli_shows_the_profile_in_chinese(cli):
    result = CliRunner().invoke(cli, ["product", "explain", "遥控车", "--category", "火星用品"])
    assert result.exit_code == 0, result.output
    for label in ("使用场景", "二选一", "可能的类型", "为什么", "遥控车"):
        assert label in result.output
    assert "提示：没认出品类「火星用品」" in result.output


def test_cli_empty_name_is_a_usage_error(cli):
    result = CliRunner().invoke(cli, ["product", "explain", "  "])
    assert result.exit_code == 2 and "产品名不能为空" in result.output


@pytest.fixture
def client(huati_env):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api import problems
    from api.routes import products
    from assistant.service.keys import create_key

    app = FastAPI()
    app.state.settings = huati_env
    problems.install(app)
    app.include_router(products.router)
    secret = create_key("tests", huati_env)[1]
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c


def test_api_explain_matches_the_cli(client, cli):
    body = {"name": "加厚防滑儿童雨靴", "category": "童装", "points": ["防滑", "加厚"]}
    response = client.post("/v1/products/explain", json=body)
    assert response.status_code == 200, response.text
    result = CliRunner().invoke(
        cli, ["product", "explain", body["name"], "-c", "童装", "--points", "防滑,加厚", "--json"]
    )
    assert response.json() == json.loads(result.output)


def test_api_needs_a_key(client):
    response = client.post("/v1/products/explain", json={"name": "遥控车"}, headers={"Authorization": ""})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "遥控车", "colour": "红"}, "colour"), ({"name": "   "}, "product")],
)
def test_api_bad_bodies_are_422_problems(client, body, field):
    response = client.post("/v1/products/explain", json=body)
    assert response.status_code == 422 and response.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert field in response.text
