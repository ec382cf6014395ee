"""Reform processes and their stages: recording a stage keeps the process's current stage in step.

A stage may not be dated before the process started. The rule is checked
here (a clear message, nothing saved) and again by a database trigger
(migration 0002) so that no other path can break it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import ReformProcess, Stage, StageEvent, today_anywhere


def check_stage_date(process, occurred_on):
    if occurred_on is None:
        raise ValidationError({"occurred_on": gettext("The date of the stage is required.")})
    if occurred_on > today_anywhere():
        # A stage in the future would also become the process's current stage (the latest by date) at once.
        raise ValidationError(
            {
                "occurred_on": gettext(
                    "The stage is dated %(date)s, after today: a stage is recorded once it has happened."
                )
                % {"date": date_format(occurred_on, "DATE_FORMAT")}
            }
        )
    if process.started_on and occurred_on < process.started_on:
        raise ValidationError(
            {
                "occurred_on": gettext("The stage is dated %(date)s, before the process started (%(start)s).")
                % {
                    "date": date_format(occurred_on, "DATE_FORMAT"),
                    "start": date_format(process.started_on, "DATE_FORMAT"),
                }
            }
        )


def check_start_date(process, started_on):
    """A process's start may not move after a stage it already has."""
    if started_on is None or process.pk is None:
        return
    first = process.events.order_by("occurred_on").first()
    if first and first.occurred_on < started_on:
        raise ValidationError(
            {
                "started_on": gettext("The process has a stage dated %(date)s (%(stage)s); it cannot start after that.")
                % {"date": date_format(first.occurred_on, "DATE_FORMAT"), "stage": first.get_stage_display()}
            }
        )


def refresh_current_stage(process):
    latest = process.events.order_by("-occurred_on", "-id").first()
    stage = latest.stage if latest else ""
    if process.current_stage != stage:
        process.current_stage = stage
        process.save(update_fields=["current_stage"])


@transaction.atomic
def record_stage(
    process, stage, occurred_on, *, note="", document_title="", document_url="", user=None, date_confidence="H"
):
    """Add a stage to a process and update its current stage; returns the StageEvent."""
    if stage not in Stage.values:
        raise ValidationError({"stage": f"'{stage}' is not a reform stage; use one of: {', '.join(Stage.values)}."})
    process = ReformProcess.objects.select_for_update().get(pk=process.pk)
    check_stage_date(process, occurred_on)
    event = StageEvent(
        process=process,
        stage=stage,
        occurred_on=occurred_on,
        note=note.strip(),
        document_title=document_title.strip(),
        document_url=document_url.strip(),
        recorded_by=user,
        date_confidence=date_confidence,
    )
    event.full_clean()
    event.save()
    refresh_current_stage(process)
    return event


@transaction.atomic
def save_process(process, target_instruments=None):
    """Create or update a process (checked against its stages); returns it."""
    check_start_date(process, process.started_on)
    process.full_clean(exclude=["current_stage"])
    process.save()
    if target_instruments is not None:
        process.targets.set(target_instruments)
    return process


def timeline(country):
    """The country's processes with their events in date order (two queries)."""
    return (
        ReformProcess.objects.filter(country=country)
        .prefetch_related("events", "targets")
        .order_by("started_on", "title")
    )
