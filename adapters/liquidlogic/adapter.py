"""`LiquidlogicAdapter`: a Liquidlogic-style export (folder or zip) to a stream of source records.

Order of work: forms first (small JSON files; this tells which assessments have a full
CareActAssessment form), then `cld_events.csv` twice: a first pass summarising each person's
events for their EpisodeOfCare, a second pass yielding one record per row. Memory holds one row
at a time plus a small summary per person. Bad rows and forms become `Rejected`; nothing raises.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from adapters.base import Converted, FileNotice, Rejected, RowRef, SourceRecord
from adapters.codemaps import CodeMapError, CodeMaps, default_maps
from adapters.limits import DEFAULT_LIMITS, ReadLimits
from adapters.liquidlogic.errors import AdapterError, FormError
from adapters.liquidlogic.export import (
    ExportEntry,
    data_prefix,
    file_facts,
    list_entries,
    logical_name,
    open_text,
    read_form_bytes,
)
from adapters.liquidlogic.forms import Form, load_form
from adapters.liquidlogic.parse import EVENTS_FILE, RowReader
from adapters.liquidlogic.to_fhir import assessment_forms, plan_forms
from adapters.liquidlogic.to_fhir.datatypes import Coder
from adapters.liquidlogic.to_fhir.episode import EpisodeIndex
from adapters.liquidlogic.to_fhir.row import convert_row
from adapters.liquidlogic.to_fhir.services import PRESERVE

INTERNAL_ERROR = "LL-199"


class LiquidlogicAdapter:
    """Reads Liquidlogic-style social care exports; see adapters/liquidlogic/README.md."""

    source = "liquidlogic"

    def __init__(self, maps: CodeMaps | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self._coder = Coder(maps or default_maps())
        self._limits = limits

    def read(self, path: Path) -> Iterator[SourceRecord]:
        """Every form and CSV row of the export at `path` as one record each, plus file notices."""
        try:
            entries = list_entries(Path(path), self._limits)
        except (OSError, zipfile.BadZipFile) as exc:
            yield FileNotice(str(path), "error", f"cannot open the export: {exc}")
            return
        prefix = data_prefix(entries)
        forms, events = [], None
        for entry in entries:
            name = logical_name(entry, prefix)
            if name == EVENTS_FILE:
                events = entry
            elif name.startswith("forms/") and name.endswith(".json"):
                forms.append(entry)
            else:
                yield FileNotice(name, "skipped", "not part of the Liquidlogic export contract")
        events_with_forms: set[str] = set()
        for entry in forms:
            yield from self._form(entry, logical_name(entry, prefix), events_with_forms)
        if events is None:
            yield FileNotice(EVENTS_FILE, "error", "the export has no cld_events.csv")
            return
        yield from self._events(events, events_with_forms)

    # --- forms ---

    def _form(self, entry: ExportEntry, name: str, events_with_forms: set[str]) -> Iterator[SourceRecord]:
        try:
            facts = file_facts(entry)
        except (OSError, zipfile.BadZipFile) as exc:  # FileTooLarge says why
            yield FileNotice(name, "error", f"cannot read the form: {exc}")
            return
        yield FileNotice(name, "info", "workflow form", sha256=facts.sha256, size_bytes=facts.size_bytes)
        key = PurePosixPath(name).stem
        try:
            form = load_form(read_form_bytes(entry))
            key = form.form_id
            yield self._convert_form(form, RowRef(name, 1, key))
            if form.form_type == "CareActAssessment":
                events_with_forms.add(form.event_reference)
        except AdapterError as exc:
            yield Rejected(RowRef(name, 1, key), exc.code, exc.reason)
        except CodeMapError as exc:
            yield Rejected(RowRef(name, 1, key), FormError.code, str(exc))
        except Exception as exc:  # never let one form stop the import
            yield Rejected(
                RowRef(name, 1, key), INTERNAL_ERROR, f"form could not be converted ({type(exc).__name__}: {exc})"
            )

    def _convert_form(self, form: Form, ref: RowRef) -> Converted:
        if form.form_type == "CareActAssessment":
            resources, warnings = assessment_forms.care_act_assessment(form)
            return Converted(ref, resources=resources, warnings=warnings)
        if form.form_type == "SupportPlan":
            resources, merges = plan_forms.support_plan(form)
            return Converted(ref, resources=resources, merges=merges, preserve=dict(PRESERVE))
        return Converted(ref, resources=plan_forms.review(form))

    # --- cld_events.csv ---

    def _events(self, entry: ExportEntry, events_with_forms: set[str]) -> Iterator[SourceRecord]:
        try:
            facts = file_facts(entry)
        except (OSError, zipfile.BadZipFile) as exc:  # FileTooLarge says why
            yield FileNotice(EVENTS_FILE, "error", f"cannot read the file: {exc}")
            return
        encoding = "UTF-8" if facts.encoding.startswith("utf-8") else "Windows-1252"
        yield FileNotice(
            EVENTS_FILE, "info", f"CLD event rows ({encoding})", sha256=facts.sha256, size_bytes=facts.size_bytes
        )
        episodes = EpisodeIndex(self._coder)
        with open_text(entry, facts.encoding) as text:
            reader = RowReader(text, self._coder.maps, self._limits.max_line_bytes)
            for line, values in reader.rows():
                try:
                    episodes.add(reader.parse(line, values))
                except (AdapterError, CodeMapError, csv.Error):
                    continue  # reported on the second pass
        with open_text(entry, facts.encoding) as text:
            reader = RowReader(text, self._coder.maps, self._limits.max_line_bytes)
            if reader.unknown_columns:
                yield FileNotice(EVENTS_FILE, "warning", f"columns ignored: {', '.join(reader.unknown_columns)}")
            rows = reader.rows()
            while True:
                try:
                    line, values = next(rows)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield Rejected(RowRef(EVENTS_FILE, reader.line_num), "LL-107", f"the CSV is malformed: {exc}")
                    return
                yield self._row(reader, line, values, episodes, events_with_forms)

    def _row(
        self, reader: RowReader, line: int, values: list[str], episodes: EpisodeIndex, events_with_forms: set[str]
    ) -> SourceRecord:
        key = _row_key(reader.header, values)
        ref = RowRef(EVENTS_FILE, line, key)
        try:
            row = reader.parse(line, values)
            result = convert_row(row, self._coder, episodes, events_with_forms)
        except AdapterError as exc:
            return Rejected(ref, exc.code, exc.reason)
        except CodeMapError as exc:
            return Rejected(ref, "LL-202", str(exc))
        except Exception as exc:  # never let one row stop the import
            return Rejected(ref, INTERNAL_ERROR, f"row could not be converted ({type(exc).__name__}: {exc})")
        return Converted(
            ref, resources=result.resources, merges=result.merges, preserve=result.preserve, warnings=result.warnings
        )


def _row_key(header: list[str], values: list[str]) -> str | None:
    """The row's own key for the report: its Event_Reference, else the person id (only the person id,
    an early column, when a stray delimiter has shifted the later fields)."""
    fields = dict(zip(header, values, strict=False))
    if len(values) != len(header):
        return (fields.get("LA_Person_Unique_Identifier") or "").strip() or None
    return (fields.get("Event_Reference") or fields.get("LA_Person_Unique_Identifier") or "").strip() or None
