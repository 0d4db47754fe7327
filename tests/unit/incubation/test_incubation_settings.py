"""Settings of the incubation centre and the exact parsing of money and scores from forms."""

import datetime as dt
from decimal import Decimal

import pytest

from volunteer.errors import ValidationFailed
from volunteer.incubation.calls import exact_points
from volunteer.incubation.pages import yuan_to_fen
from volunteer.incubation.settings import incubation_settings


def test_defaults_follow_the_case_policy():
    config = incubation_settings({})
    assert config.policy.screening_working_days == 5
    assert config.policy.max_renewals == 1
    assert config.policy.filing_days_limit == 180
    assert (config.term_days, config.renewal_days) == (365, 180)


def test_settings_are_read_from_the_ini():
    config = incubation_settings(
        {
            "volunteer.incubation.max_renewals": "2",
            "volunteer.incubation.holidays": "2025-10-01, 2025-10-02",
            "volunteer.incubation.makeup_workdays": "2025-09-28",
        }
    )
    assert config.policy.max_renewals == 2
    assert not config.policy.calendar.is_working_day(dt.date(2025, 10, 1))
    assert config.policy.calendar.is_working_day(dt.date(2025, 9, 28))


@pytest.mark.parametrize(
    ("text", "fen"), [("50000", 5_000_000), ("1,234.56", 123_456), ("0.1", 10), ("7.", 700)]
)
def test_yuan_to_fen_is_exact(text, fen):
    assert yuan_to_fen({"v": text}, "v", "金额") == fen


@pytest.mark.parametrize("text", ["1.234", "abc", "-5", "NaN", "1e3000"])
def test_yuan_to_fen_refuses(text):
    with pytest.raises(ValidationFailed):
        yuan_to_fen({"v": text}, "v", "金额")


def test_scores_are_exact_decimals():
    assert exact_points({"需求分析": "27.5", "项目设计": " 30 "}) == {
        "需求分析": Decimal("27.5"),
        "项目设计": Decimal(30),
    }
    with pytest.raises(ValidationFailed):
        exact_points({"需求分析": "二十"})
