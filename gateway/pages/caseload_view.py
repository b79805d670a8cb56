"""The caseload as the signed-in worker asks to see it: found by name (accent- and case-insensitive)
or NHS number, only her people, sorted by name, last visit or next due."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from gateway.pages.caseload import CaseloadPerson
from gateway.search.values import normalise

# (value, label): the sort choices the caseload offers.
SORTS = (("name", "Name"), ("last-visit", "Longest since last visit"), ("next-due", "Next visit due"))
_FAR = "9999-12-31"
PAGE_ROWS = 100  # a whole area's caseload is several hundred people: a page a screenful of them


@dataclass(frozen=True, slots=True)
class CaseloadView:
    q: str = ""
    mine: bool = False
    sort: str = "name"
    page: int = 1

    @classmethod
    def of(cls, params: Mapping[str, str]) -> CaseloadView:
        sort = params.get("sort") or "name"
        raw_page = params.get("page") or "1"
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 6 else 1
        return cls((params.get("q") or "").strip()[:100], params.get("mine") in ("1", "on", "true"),
                   sort if sort in dict(SORTS) else "name", max(1, page))

    def pages(self, shown: int) -> int:
        return max(1, -(-shown // PAGE_ROWS))

    def page_of(self, people: list[CaseloadPerson]) -> list[CaseloadPerson]:
        """The rows of this page (the last page when the number asked for is past the end)."""
        page = min(self.page, self.pages(len(people)))
        return people[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]

    def link(self, page: int, week: str) -> str:
        """This view's address at another page."""
        query = {"q": self.q, "mine": "1" if self.mine else "", "sort": self.sort, "week": week, "page": str(page)}
        return "/app/caseload?" + urlencode({k: v for k, v in query.items() if v})

    def _matches(self, person: CaseloadPerson) -> bool:
        if not self.q:
            return True
        digits = self.q.replace(" ", "")
        if digits.isascii() and digits.isdigit():
            return person.nhs_number.startswith(digits)
        name = normalise(person.name)
        return all(word in name for word in normalise(self.q).split())

    def apply(self, people: list[CaseloadPerson], my_refs: list[str]) -> list[CaseloadPerson]:
        """The people to show, in the chosen order (ties by name)."""
        shown = [p for p in people if self._matches(p) and (not self.mine or p.named_nurse_ref in my_refs)]
        if self.sort == "last-visit":
            return sorted(shown, key=lambda p: p.last_visit or "")  # never visited first, then longest ago
        if self.sort == "next-due":
            return sorted(shown, key=lambda p: p.next_due or _FAR)
        return shown
