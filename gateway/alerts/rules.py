"""Alert rules: each looks at figures the gateway already keeps and names what is wrong now.

A rule returns one `Firing` per subject (a source, a delivery queue) that breaks its threshold;
the evaluator turns appearances and disappearances into fired and resolved events. Summaries name
sources, queues and counts only, never a person or any health data: they leave the gateway in the
webhook. Rules are a registry like the retention purgers: the HL7 v2 listener registers "a sender
silent for N minutes in working hours" where it is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from gateway.monitoring.figures import dead_letters_by_queue, import_figures, oldest_pending_by_queue
from gateway.settings import Settings

_HOUR_US = 3600 * 1_000_000


@dataclass(frozen=True)
class Firing:
    """A rule broken now, about one subject."""

    rule: str
    subject: str
    summary: str


# (a read or write connection, settings, now in µs) -> what is firing
RuleFn = Callable[[Connection, Settings, int], list[Firing]]


@dataclass(frozen=True)
class AlertRule:
    name: str
    what: str  # for the README and the status page
    evaluate: RuleFn


def source_quiet(conn: Connection, settings: Settings, now: int) -> list[Firing]:
    """A source that has imported before but not within its quiet period (per-source overrides)."""
    out = []
    for source, item in sorted(import_figures(conn).items()):
        hours = settings.alert_source_quiet_hours_by_source.get(source, settings.alert_source_quiet_hours)
        if hours is None or item.last_completed is None:
            continue
        quiet = (now - item.last_completed) / _HOUR_US
        if quiet > hours:
            out.append(Firing("source-quiet", source,
                              f"no completed {source} import for {quiet:.1f} hours (alert after {hours:g})"))
    return out


def dead_letters(conn: Connection, settings: Settings, _now: int) -> list[Firing]:
    """Delivery queues holding more dead letters than allowed (by default: any)."""
    limit = settings.alert_dead_letters_above
    if limit is None:
        return []
    return [Firing("dead-letters", queue, f"{n} dead letter(s) in delivery queue {queue}: someone needs to look "
                   "(requeue them once the receiver is fixed)")
            for queue, n in sorted(dead_letters_by_queue(conn).items()) if n > limit]


def delivery_delayed(conn: Connection, settings: Settings, now: int) -> list[Firing]:
    """Delivery queues whose oldest undelivered row has waited longer than allowed (receiver down,
    subscription in error): notifications are late even before anything is dead-lettered."""
    limit = settings.alert_delivery_waiting_minutes
    if limit is None:
        return []
    out = []
    for queue, since in sorted(oldest_pending_by_queue(conn).items()):
        minutes = (now - since) / 60_000_000
        if minutes > limit:
            out.append(Firing("delivery-delayed", queue, f"the oldest delivery in queue {queue} has waited "
                              f"{minutes:.0f} minutes (alert after {limit:g})"))
    return out


def rejected_rate(conn: Connection, settings: Settings, _now: int) -> list[Firing]:
    """A source whose latest completed import rejected more than the allowed share of its rows."""
    rate = settings.alert_rejected_rate_above
    if rate is None:
        return []
    out = []
    for source, item in sorted(import_figures(conn).items()):
        if item.latest_rows and item.latest_rejected / item.latest_rows > rate:
            out.append(Firing("rejected-rate", source,
                              f"the latest {source} import rejected {item.latest_rejected} of {item.latest_rows} "
                              f"rows ({item.latest_rejected / item.latest_rows:.1%}, alert above {rate:.1%})"))
    return out


_RULES: dict[str, AlertRule] = {}


def register(rule: AlertRule) -> None:
    """Add (or replace, by name) a rule; features call this at start-up."""
    _RULES[rule.name] = rule


def registered() -> list[AlertRule]:
    return [_RULES[name] for name in sorted(_RULES)]


def _register_defaults() -> None:
    register(AlertRule("source-quiet", "a source that has imported before has had no completed import for "
                       "GATEWAY_ALERT_SOURCE_QUIET_HOURS", source_quiet))
    register(AlertRule("dead-letters", "a delivery queue holds more than GATEWAY_ALERT_DEAD_LETTERS_ABOVE dead "
                       "letters", dead_letters))
    register(AlertRule("delivery-delayed", "a delivery queue's oldest undelivered row has waited longer than "
                       "GATEWAY_ALERT_DELIVERY_WAITING_MINUTES", delivery_delayed))
    register(AlertRule("rejected-rate", "a source's latest import rejected more than "
                       "GATEWAY_ALERT_REJECTED_RATE_ABOVE of its rows", rejected_rate))


_register_defaults()  # the rules for what exists today are always there; features add theirs
