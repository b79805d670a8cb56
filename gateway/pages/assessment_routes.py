"""The Omaha assessment form and the suggested problems: both write through the same service
functions as `Patient/$omaha-assessment` and `Patient/$omaha-suggestions`, with the same scopes
and audit entries."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.omaha.rules import AssessmentInvalid
from adapters.omaha.vocabulary import SCALES, vocabulary
from gateway.assessments.service import submit_assessment
from gateway.assessments.suggestions import decide
from gateway.assessments.view import person_assessment
from gateway.operations.omaha_assessment import WRITES as ASSESSMENT_WRITES
from gateway.operations.omaha_suggestions import READS as SUGGESTION_READS
from gateway.operations.omaha_suggestions import WRITES as SUGGESTION_WRITES
from gateway.outcomes import bad_request
from gateway.pages.caseload import person_name
from gateway.pages.form import AssessmentForm, add_previous, blank_form, place_errors, read_form, to_response
from gateway.pages.handling import can, need, readable_types, render
from gateway.pages.record import gather_record
from gateway.pages.suggestion_words import SuggestedProblem, suggested_problems
from gateway.request_context import Caller
from gateway.security import audit, write_context

MAX_SOURCES = 20  # records behind one suggested problem that one dismissal covers


def _may_assess(who: Caller) -> None:
    need(who, "r", "Patient")
    for permission in ("c", "u"):
        need(who, permission, *ASSESSMENT_WRITES)


async def _form_page(request: Request, who: Caller, person_id: str, form: AssessmentForm | None,
                     status: int = 200) -> Response:
    repo = request.app.state.repo

    def work() -> tuple[AssessmentForm, str, list[SuggestedProblem]]:
        with repo.reading() as conn:
            record = gather_record(conn, person_id, readable_types(who))
        suggestions = person_assessment(repo, record.person_id).suggestions if can(who, "r", *SUGGESTION_READS) \
            else []
        shown = add_previous(form or blank_form(record, date.today()), record)
        return shown, person_name(record)[0], suggested_problems(suggestions, record)

    shown, name, suggestions = await run_in_threadpool(work)
    v = vocabulary()
    def signs_for(code: str) -> list[tuple[str, str]]:
        return [(c, label) for c, label in v.signs_symptoms.items() if v.sign_problem.get(c) == code]

    return render(request, who, "assessment.html", status, person_id=person_id, name=name, form=shown,
                  v=v, signs_for=signs_for, suggestions=suggestions,
                  scales=tuple((scale, v.scale_label(scale)) for scale in SCALES),
                  can_confirm=can(who, "c", *SUGGESTION_WRITES["confirm"]) and can(who, "u", *SUGGESTION_WRITES[
                      "confirm"]), can_dismiss=can(who, "c", *SUGGESTION_WRITES["dismiss"]))


async def assessment_form(request: Request, who: Caller) -> Response:
    _may_assess(who)
    person_id = request.path_params["patient_id"]
    response = await _form_page(request, who, person_id, None)
    await audit(request, who, "read", "Patient", person_id, query="page assessment form")
    return response


async def submit(request: Request, who: Caller) -> Response:
    who.interaction = "operation"
    _may_assess(who)
    person_id = request.path_params["patient_id"]
    posted = await request.form()
    form = read_form({key: [str(v) for v in posted.getlist(key)] for key in posted.keys()})
    qr, block_of_item = to_response(form, person_id)
    repo = request.app.state.repo
    try:
        await run_in_threadpool(submit_assessment, repo, person_id, qr, who.principal.user,
                                write_context(who, "assessment"))
    except AssessmentInvalid as exc:
        place_errors(form, exc.violations, block_of_item)
        await audit(request, who, "operation", "Patient", person_id, status=422, query="page $omaha-assessment")
        return await _form_page(request, who, person_id, form, 422)
    await audit(request, who, "operation", "Patient", person_id, query="page $omaha-assessment")
    return RedirectResponse(f"/app/people/{person_id}?saved=assessment#omaha", status_code=303)


async def suggestion(request: Request, who: Caller) -> Response:
    who.interaction = "operation"
    person_id = request.path_params["patient_id"]
    posted = await request.form()
    action = str(posted.get("action") or "")
    if action not in SUGGESTION_WRITES:
        raise bad_request("action must be confirm or dismiss", ["action"])
    need(who, "r", *SUGGESTION_READS)
    for permission in ("c", "u"):
        need(who, permission, *SUGGESTION_WRITES[action])
    # The page shows one entry per problem: confirming uses its first record, dismissing dismisses every one.
    sources = [str(v) for v in posted.getlist("source")][:MAX_SOURCES] or [""]
    for source in sources[:1] if action == "confirm" else sources:
        await run_in_threadpool(decide, request.app.state.repo, person_id, action, str(posted.get("problem") or ""),
                                source, who.principal.user,
                                str(posted.get("scope") or "individual"), str(posted.get("severity") or "potential"),
                                None, None, write_context(who, "assessment"))
    await audit(request, who, "operation", "Patient", person_id, query=f"page $omaha-suggestions {action}")
    return RedirectResponse(f"/app/people/{person_id}/assessment?saved={action}#suggestions", status_code=303)
