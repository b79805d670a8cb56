"""The words of a HealthAndWellbeingUpdate: what each change is called, and the one-paragraph
summary a social worker reads in ten seconds (who, when, the changes that matter most, whether a
review looks due)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.liquidlogic.review_due import RATING_ASPECTS, is_worsening, long_date, scale_name, score_text
from adapters.omaha.changes import AssessmentDelta
from adapters.omaha.vocabulary import vocabulary

MAX_LISTED = 3


def what_changed(delta: AssessmentDelta) -> str:
    """A short label for the change, in the social worker's words rather than Omaha's."""
    if delta.aspect in RATING_ASPECTS:
        meaning = vocabulary().scale_words[delta.aspect]
        return f"{scale_name(delta.aspect).capitalize()} rating ({meaning})"
    if delta.aspect == "problem":
        if delta.old is None:
            return "New problem identified"
        if delta.new is None:
            return "Problem removed from the assessment"
        if (delta.new or "").lower() == "resolved":
            return "Problem resolved"
        return "Problem reopened" if (delta.old or "").lower() == "resolved" else "Problem status changed"
    if delta.aspect == "sign-symptom":
        return "Sign or symptom noted" if delta.old is None else "Sign or symptom no longer present"
    if delta.aspect == "intervention":
        if delta.old is None:
            return "Care plan intervention added"
        return "Care plan intervention stopped" if delta.new is None else "Care plan intervention changed"
    return {"severity": "Severity", "scope": "Scope"}.get(delta.aspect, delta.aspect)


def sentence(delta: AssessmentDelta) -> str:
    """One change as a clause: 'Personal care: status fell from 3 (...) to 2 (...)'."""
    name = delta.problem_name
    if delta.aspect in RATING_ASPECTS:
        verb = {"worsened": "fell", "improved": "rose"}.get(delta.direction or "", "changed")
        if delta.old is None:
            return f"{name}: {scale_name(delta.aspect)} first rated {score_text(delta.new)}"
        return f"{name}: {scale_name(delta.aspect)} {verb} from {score_text(delta.old)} to {score_text(delta.new)}"
    if delta.aspect == "problem":
        label = what_changed(delta).lower()
        return f"{name}: {label}"
    if delta.aspect == "severity":
        return f"{name}: severity now {(delta.new or 'none').lower()} (was {(delta.old or 'none').lower()})"
    if delta.aspect == "sign-symptom":
        return f"{name}: {'new sign' if delta.old is None else 'sign gone'}: {(delta.new or delta.old or '').lower()}"
    if delta.aspect == "intervention":
        return f"{name}: {what_changed(delta).lower()}: {delta.new or delta.old}"
    return f"{name}: {delta.aspect} changed from {delta.old or 'none'} to {delta.new or 'none'}"


def _priority(delta: AssessmentDelta) -> int:
    """Worsening first (status before the rest), then other problem-level changes, then the rest."""
    if is_worsening(delta):
        return 0 if delta.aspect in ("status", "problem", "severity") else 1
    return 2 if delta.aspect != "intervention" else 3


def summary(
    person: str, author: str, when: datetime, deltas: Sequence[AssessmentDelta], review_reasons: Sequence[str]
) -> str:
    """The plain-English paragraph at the top of the update."""
    count = len(deltas)
    opening = (
        f"On {long_date(when.date())} {author} updated {person}'s health and wellbeing assessment "
        f"({count} change{'s' if count != 1 else ''})."
    )
    ranked = sorted(deltas, key=_priority)
    listed = [sentence(d) for d in ranked[:MAX_LISTED]]
    body = " ".join(f"{s}." for s in listed)
    if count > MAX_LISTED:
        body += f" Plus {count - MAX_LISTED} smaller change{'s' if count - MAX_LISTED != 1 else ''}."
    if review_reasons:
        closing = f"A review looks due: {review_reasons[0]}"
        if len(review_reasons) > 1:
            more = len(review_reasons) - 1
            closing += f" (and {more} further reason{'s' if more > 1 else ''} listed)"
    else:
        closing = "No review looks due from these changes."
    return f"{opening} {body} {closing}"
