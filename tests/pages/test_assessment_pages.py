"""The assessment form writes through the same service as `$omaha-assessment`: the stored
QuestionnaireResponse, the trend the API serves, errors placed next to the problem at fault."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from adapters.omaha.questionnaire import QUESTIONNAIRE_URL, link_ids
from adapters.omaha.trend import ProblemTrend, TrendPoint
from gateway.pages.chart import trend_svg
from gateway.pages.form import AssessmentForm, Block, read_form, to_response


def _form(day: str, **fields: str) -> dict[str, str]:
    base = {"blocks": "1", "assessment-date": day, "p0.code": "22", "p0.scope": "individual",
            "p0.severity": "potential", "p0.status": "active"}
    return {**base, **fields}


def test_a_submitted_form_is_a_questionnaire_response_with_a_trend(sign_in: Callable[..., TestClient],
                                                                   person_ids: list[str]) -> None:
    client = sign_in("nurse", user="form.nurse")
    person = person_ids[2]
    first = client.post(f"/app/people/{person}/assessment",
                        data=_form("2025-10-01", **{"p0.rating-knowledge": "2", "p0.rating-status": "3"}))
    assert first.status_code == 303 and first.headers["location"].startswith(f"/app/people/{person}?saved=")
    client.post(f"/app/people/{person}/assessment",
                data=_form("2025-10-20", **{"p0.rating-knowledge": "4", "p0.rating-status": "3"}))

    # Read back through the FHIR API with the same cookie's token.
    token = client.cookies.get("gateway_session")
    headers = {"Authorization": f"Bearer {token}"}
    bundle = client.get(f"/fhir/QuestionnaireResponse?subject=Patient/{person}", headers=headers).json()
    assert {e["resource"]["questionnaire"] for e in bundle["entry"]} == {QUESTIONNAIRE_URL}
    trend = client.get(f"/fhir/Patient/{person}/$omaha-trend", headers=headers).json()
    ratings = [p for p in trend["parameter"][0]["part"] if p["name"] == "rating"]
    assert len(ratings) == 2

    page = client.get(f"/app/people/{person}").text
    assert 'data-points="2"' in page and "Knowledge 2 to 4" in page
    meeting = client.get("/app/meeting?week=2025-10-21").text
    assert "Knowledge 2 → 4" in meeting and "improved" in meeting


def test_a_broken_rule_comes_back_next_to_its_problem(sign_in: Callable[..., TestClient],
                                                       person_ids: list[str]) -> None:
    client = sign_in("nurse")
    response = client.post(f"/app/people/{person_ids[3]}/assessment",
                           data=_form("2025-10-01", **{"p0.severity": "nonsense", "p0.rating-knowledge": "2"}))
    assert response.status_code == 422
    assert 'class="card block has-error"' in response.text and "Severity &#39;nonsense&#39;" in response.text
    assert 'href="#p0"' in response.text  # the error summary links to the problem


def test_a_read_only_sign_in_may_not_assess(sign_in: Callable[..., TestClient], person_ids: list[str]) -> None:
    client = sign_in("social-worker", user="reader", scopes=["user/*.rs"])
    assert client.get(f"/app/people/{person_ids[0]}/assessment").status_code == 403
    assert "Record an assessment" not in client.get(f"/app/people/{person_ids[0]}").text
    posted = client.post(f"/app/people/{person_ids[0]}/assessment", data=_form("2025-10-01"))
    assert posted.status_code == 403


def test_an_administrator_confirms_a_suggested_problem(sign_in: Callable[..., TestClient],
                                                       person_ids: list[str]) -> None:
    client = sign_in("admin")
    for person in person_ids:
        form = client.get(f"/app/people/{person}/assessment").text
        if 'name="action" value="confirm"' in form:
            break
    else:
        raise AssertionError("no caseload person has a suggested problem")
    problem = form.split('name="action" value="confirm"><input type="hidden" name="problem" value="')[1][:2]
    source = form.split('name="source" value="')[1].split('"')[0]
    response = client.post(f"/app/people/{person}/suggestions",
                           data={"action": "confirm", "problem": problem, "source": source})
    assert response.status_code == 303
    assert f'id="pr-{problem}"' in client.get(f"/app/people/{person}").text


def test_the_form_uses_only_the_questionnaires_link_ids() -> None:
    fields = {"blocks": ["2"], "assessment-date": ["2025-10-01"], "p0.code": ["38"], "p0.severity": ["actual"],
              "p0.signs": ["38.01"], "p0.rating-behavior": ["3"], "p0.category": ["01"], "p0.target": ["05"],
              "p0.description": ["Wash"], "p0.note": ["n"], "p1.code": [""]}
    form = read_form(fields)
    qr, blocks = to_response(form, "abc")
    assert blocks == [0]  # the blank second block is not submitted

    def walk(items: list[dict]) -> set[str]:  # type: ignore[type-arg]
        return {i["linkId"] for i in items} | {x for i in items for x in walk(i.get("item", []))}

    assert walk(qr["item"]) <= link_ids()
    assert qr["subject"] == {"reference": "Patient/abc"}


def test_the_chart_draws_one_marker_per_rating_and_says_it_in_words() -> None:
    series = ProblemTrend("Condition/x", "22", "Pain", [TrendPoint("2025-10-01", 2, None, 3),
                                                         TrendPoint("2025-10-20", 4, None, 3)])
    svg = trend_svg(series)
    assert svg.count("<circle") == 2 and svg.count("<polygon") == 2 and "<rect" not in svg
    assert 'data-points="2"' in svg and "Knowledge 2 to 4" in svg
    assert "<script" not in trend_svg(ProblemTrend("Condition/y", None, "<script>", []))


def test_an_empty_form_block_is_not_a_problem() -> None:
    assert not Block(0).filled
    assert to_response(AssessmentForm("2025-10-01", [Block(0)]), "p")[1] == []
