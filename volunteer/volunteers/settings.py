"""The configurable rules of the register, read from the ini settings."""

from __future__ import annotations

from collections.abc import Mapping

from volunteer.volunteers import hour_rules, stars


def star_thresholds(settings: Mapping[str, str]) -> tuple[int, ...]:
    return stars.parse_thresholds(settings.get("volunteer.star_thresholds_hours"))


def hour_rules_from(settings: Mapping[str, str]) -> hour_rules.HourRules:
    return hour_rules.hour_rules_from_settings(settings)
