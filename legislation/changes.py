"""What changed in the legislation data since a date, read from the history tables (simple_history)."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from .models import Assessment, Instrument, ReformProcess, StageEvent

ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
# What the dashboard says of each (kind, action), in the reader's language: whole phrases, as word order differs.
HEADLINES = {
    ("assessment", "added"): pgettext_lazy("change", "assessment added"),
    ("assessment", "changed"): pgettext_lazy("change", "assessment changed"),
    ("assessment", "deleted"): pgettext_lazy("change", "assessment deleted"),
    ("stage", "added"): pgettext_lazy("change", "stage added"),
    ("stage", "changed"): pgettext_lazy("change", "stage changed"),
    ("stage", "deleted"): pgettext_lazy("change", "stage deleted"),
    ("instrument", "added"): pgettext_lazy("change", "instrument added"),
    ("instrument", "changed"): pgettext_lazy("change", "instrument changed"),
    ("instrument", "deleted"): pgettext_lazy("change", "instrument deleted"),
    ("reform process", "added"): pgettext_lazy("change", "reform process added"),
    ("reform process", "changed"): pgettext_lazy("change", "reform process changed"),
    ("reform process", "deleted"): pgettext_lazy("change", "reform process deleted"),
}
KINDS = {
    "assessment": pgettext_lazy("change kind", "assessment"),
    "stage": pgettext_lazy("change kind", "stage"),
    "instrument": pgettext_lazy("change kind", "instrument"),
    "reform process": pgettext_lazy("change kind", "reform process"),
}
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

    @property
    def headline(self):
        """E.g. "assessment changed", in the reader's language."""
        return HEADLINES[(self.kind, self.action)]


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
            old, new = len(change.old), len(change.new)
            rows.append(
                (
                    model_field.verbose_name,
                    ngettext("%(count)s instrument", "%(count)s instruments", old) % {"count": old},
                    ngettext("%(count)s instrument", "%(count)s instruments", new) % {"count": new},
                )
            )
            continue
        if model_field.many_to_one:
            # A link (supersedes, amends, implements): name the instrument, not its database id.
            rows.append(
                (
                    model_field.verbose_name,
                    _related_name(model_field, change.old),
                    _related_name(model_field, change.new),
                )
            )
            continue
        choices = dict(model_field.flatchoices)
        rows.append(
            (model_field.verbose_name, choices.get(change.old, change.old), choices.get(change.new, change.new))
        )
    return rows


def _related_name(model_field, pk):
    """What a changed link pointed to, as its page names it; "#id" when it has since been deleted."""
    if pk is None:
        return None
    related = model_field.related_model._default_manager.filter(pk=pk).first()
    return str(related) if related is not None else f"#{pk}"


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
                subject = gettext("%(kind)s #%(id)s (since deleted)") % {"kind": KINDS[kind], "id": record.id}
                instrument = None
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
                    else gettext("system (%(reason)s)")
                    % {"reason": record.history_change_reason or pgettext("change reason", "reference data")},
                    kind=kind,
                    action=ACTIONS[record.history_type],
                    subject=subject,
                    url=url,
                    details=_details(model, record),
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
