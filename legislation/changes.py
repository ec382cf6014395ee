"""What changed in the legislation data since a date, read from the history tables (simple_history)."""

import datetime
from dataclasses import dataclass, field

from .models import Assessment, Instrument, ReformProcess, StageEvent

ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
# Fields whose change is bookkeeping, not news.
IGNORED_FIELDS = {"id", "assessor", "recorded_by"}
MAX_CHANGES = 200


@dataclass
class ChangeEntry:
    when: datetime.datetime
    who: str
    kind: str  # "assessment", "instrument", "reform process", "stage"
    action: str
    subject: str
    url: str = ""
    details: list = field(default_factory=list)  # [(field label, old, new)]


def _describe(model, record):
    if model is Assessment:
        return f"{record.instrument.title} ({record.instrument.country_id}) — {record.provision.key}", record.instrument
    if model is StageEvent:
        return f"{record.process.title} ({record.process.country_id}) — {record.get_stage_display()}", None
    if model is Instrument:
        return f"{record.title} ({record.country_id})", None
    return f"{record.title} ({record.country_id})", None


def _details(model, record):
    if record.history_type != "~":
        return []
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    rows = []
    for change in delta.changes:
        if change.field in IGNORED_FIELDS:
            continue
        model_field = model._meta.get_field(change.field)
        if model_field.many_to_many:
            # Targets of a reform process: say how many, not a list of through-row dicts.
            rows.append((model_field.verbose_name, f"{len(change.old)} instruments", f"{len(change.new)} instruments"))
            continue
        choices = dict(model_field.flatchoices)
        rows.append(
            (model_field.verbose_name, choices.get(change.old, change.old), choices.get(change.new, change.new))
        )
    return rows


def changes_since(since, limit=MAX_CHANGES):
    """Changes to assessments, stages, instruments and reform processes on or after `since` (date), newest first."""
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
    entries = []
    for model, kind in (
        (Assessment, "assessment"),
        (StageEvent, "stage"),
        (Instrument, "instrument"),
        (ReformProcess, "reform process"),
    ):
        related = {
            Assessment: ["instrument", "provision", "history_user"],
            StageEvent: ["process", "history_user"],
        }.get(model, ["history_user"])
        records = model.history.filter(history_date__gte=start).select_related(*related).order_by("-history_date")
        for record in records[:limit]:
            try:
                subject, instrument = _describe(model, record)
            except (Instrument.DoesNotExist, ReformProcess.DoesNotExist):
                subject, instrument = f"{kind} #{record.id} (since deleted)", None
            url = ""
            if model is Instrument:
                url = record.instance.get_absolute_url() if record.history_type != "-" else ""
            elif instrument is not None:
                url = instrument.get_absolute_url()
            entries.append(
                ChangeEntry(
                    when=record.history_date,
                    who=record.history_user.get_username()
                    if record.history_user
                    else f"system ({record.history_change_reason or 'reference data'})",
                    kind=kind,
                    action=ACTIONS[record.history_type],
                    subject=subject,
                    url=url,
                    details=_details(model, record),
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
