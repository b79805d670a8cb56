"""A person's decisions and source changes, through the repository as the API and imports write."""

from __future__ import annotations

import pytest

from gateway.linking import linked_patient_ids, relink_all
from gateway.linking.actions import Actor, confirm, link, reject, reopen, unlink
from gateway.linking.golden import golden_id_for_nhs, golden_id_for_person
from gateway.outcomes import FhirError
from gateway.repository.sql import SqlRepository
from tests.gateway.linking.helpers import (
    NHS,
    audit_queries,
    candidate_between,
    golden_of,
    goldens,
    link_rows,
    patient,
)

ALICE = Actor("alice", "admin", "req-1")
OTHER_NHS = "9876543210"


def ids_of(repo: SqlRepository, patient_id: str) -> list[str]:
    with repo.reading() as conn:
        return linked_patient_ids(conn, patient_id)


def write(repo: SqlRepository, body: dict) -> None:  # type: ignore[type-arg]
    repo.update("Patient", body["id"], body)


def gp_and_council(repo: SqlRepository) -> tuple[str, str]:
    """A GP record with an NHS number and a council record of the same person without one, surname
    typed with a letter missing."""
    write(repo, patient("gp-1", nhs=NHS))
    write(repo, patient("la-1", family="Hollway", source="liquidlogic"))
    return "gp-1", "la-1"


def test_confirm_links_and_unlink_undoes_it(repo: SqlRepository) -> None:
    # Setup: one golden by NHS number, one candidate on demographics
    gp, la = gp_and_council(repo)
    golden = golden_id_for_nhs(NHS)
    assert golden_of(repo, gp) == golden and golden_of(repo, la) is None
    row = candidate_between(repo, gp, la)
    assert row.status == "open"
    assert "surname differs by one letter (Holloway/Hollway)" in row.reasons
    # Confirm: the council record joins the golden Patient (a new version listing both)
    with repo.writing() as writer:
        assert confirm(writer, row.id, ALICE) == golden
    assert golden_of(repo, la) == golden
    body = repo.read("Patient", golden)
    assert body.version == 2
    assert f"Patient/{la}" in body.content and f"Patient/{gp}" in body.content
    assert candidate_between(repo, gp, la).status == "confirmed"
    assert ids_of(repo, la) == [golden, gp, la]
    # Unlink: back to before, the candidate open again, the golden's history shows both steps
    with repo.writing() as writer:
        unlink(writer, golden, la, ALICE)
    assert golden_of(repo, la) is None
    assert f"Patient/{la}" not in repo.read("Patient", golden).content
    assert repo.read("Patient", golden).version == 3
    assert candidate_between(repo, gp, la).status == "open"
    actions = [(r.user_id, r.query.split(":")[0]) for r in audit_queries(repo)]
    assert actions == [("alice", "person-link confirm"), ("alice", "person-link unlink")]


def test_rejected_pair_is_not_proposed_again_until_demographics_change(repo: SqlRepository) -> None:
    gp, la = gp_and_council(repo)
    row = candidate_between(repo, gp, la)
    with repo.writing() as writer:
        reject(writer, row.id, ALICE)
    # A change that is not demographic, a full relink: still rejected, same row
    write(repo, {**patient("la-1", family="Hollway", source="liquidlogic"), "telecom": [
        {"system": "phone", "value": "01632 960001"}]})
    relink_all(repo)
    again = candidate_between(repo, gp, la)
    assert (again.id, again.status) == (row.id, "rejected")
    # Reopen undoes the rejection; reject again, then a demographic change reopens it by itself
    with repo.writing() as writer:
        reopen(writer, row.id, ALICE)
    assert candidate_between(repo, gp, la).status == "open"
    with repo.writing() as writer:
        reject(writer, row.id, ALICE)
    write(repo, patient("la-1", family="Hollway", source="liquidlogic", postcode="IP14 1AC"))
    assert candidate_between(repo, gp, la).status == "open"
    assert [r.query.split(":")[0] for r in audit_queries(repo)] == [
        "person-link reject", "person-link reopen", "person-link reject"]
    with repo.writing() as writer, pytest.raises(FhirError):
        reopen(writer, row.id, ALICE)  # open now: nothing to reopen


def test_changed_nhs_number_moves_the_link(repo: SqlRepository) -> None:
    write(repo, patient("gp-1", nhs=NHS))
    write(repo, patient("la-1", nhs=NHS, source="liquidlogic"))
    old = golden_id_for_nhs(NHS)
    assert golden_of(repo, "gp-1") == golden_of(repo, "la-1") == old
    write(repo, patient("gp-1", nhs=OTHER_NHS))
    assert golden_of(repo, "gp-1") == golden_id_for_nhs(OTHER_NHS)
    assert golden_of(repo, "la-1") == old
    assert "gp-1" not in repo.read("Patient", old).content
    # The number taken away: the automatic link ends and the golden with no source left is deleted
    write(repo, patient("gp-1"))
    assert golden_of(repo, "gp-1") is None
    assert set(goldens(repo)) == {old}
    assert [r.ended_how for r in link_rows(repo) if r.patient_id == "gp-1"] == ["moved", "moved"]


def test_demographic_only_person_merges_into_golden_when_a_number_arrives(repo: SqlRepository) -> None:
    write(repo, patient("gp-1"))
    write(repo, patient("la-1", born="1941-12-03", source="liquidlogic"))
    assert goldens(repo) == {}
    row = candidate_between(repo, "gp-1", "la-1")
    assert "day and month of birth swapped (1941-03-12/1941-12-03)" in row.reasons
    with repo.writing() as writer:
        person = confirm(writer, row.id, ALICE)
    assert person == golden_id_for_person("gp-1")
    assert "identifier" not in goldens(repo)[person]
    write(repo, patient("la-1", born="1941-12-03", source="liquidlogic", nhs=NHS))
    golden = golden_id_for_nhs(NHS)
    assert set(goldens(repo)) == {golden}
    assert golden_of(repo, "gp-1") == golden_of(repo, "la-1") == golden
    assert {r.how for r in link_rows(repo) if r.active} == {"confirmed", "nhs-number"}


def test_manual_link_and_a_persons_unlink_outlast_automatic_linking(repo: SqlRepository) -> None:
    write(repo, patient("gp-1", nhs=NHS))
    write(repo, patient("la-1", nhs=OTHER_NHS, source="liquidlogic"))
    with repo.writing() as writer, pytest.raises(FhirError, match="different NHS numbers"):
        link(writer, "gp-1", "la-1", ALICE)
    golden = golden_id_for_nhs(NHS)
    with repo.writing() as writer:
        unlink(writer, golden, "gp-1", ALICE)
    assert golden not in goldens(repo)
    relink_all(repo)
    write(repo, {**patient("gp-1", nhs=NHS), "gender": "female", "telecom": [{"system": "phone", "value": "1"}]})
    assert golden_of(repo, "gp-1") is None, "automatic linking must respect the unlink"
    with repo.writing() as writer:
        assert link(writer, golden, "gp-1", ALICE) == golden
    assert golden_of(repo, "gp-1") == golden
    assert ids_of(repo, golden) == [golden, "gp-1"]
    assert ids_of(repo, "la-1") == [golden_id_for_nhs(OTHER_NHS), "la-1"]
    assert ids_of(repo, "nobody") == ["nobody"]


def test_deleting_a_source_ends_its_link(repo: SqlRepository) -> None:
    gp, la = gp_and_council(repo)
    repo.delete("Patient", gp)
    assert golden_of(repo, gp) is None
    assert goldens(repo) == {}
    assert candidate_between(repo, gp, la) is None
