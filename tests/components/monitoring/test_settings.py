"""`monitoring.*`: e-mail subscribers, the CPU threshold, Prometheus on or off."""

import pytest

from components.base.config import SettingsError
from components.stack.settings import load_settings

BASE = {"owner": "platform-team"}


def test_alarm_emails_must_be_addresses():
    with pytest.raises(SettingsError) as error:
        load_settings(
            {**BASE, "monitoring": {"alarmEmails": ["oncall@example.com", "oncall"]}}, "dev"
        )
    assert error.value.problems == [
        'eks-platform:monitoring.alarmEmails = ["oncall@example.com", "oncall"]: must be e-mail '
        "addresses (not ['oncall'])"
    ]


def test_defaults():
    monitoring = load_settings(BASE, "dev").monitoring
    assert monitoring.alarm_emails == () and monitoring.node_cpu_alarm_percent == 80
    assert monitoring.prometheus is False
