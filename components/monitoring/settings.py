"""`monitoring.*`: who gets the alarms, the node CPU threshold, and Amazon Managed Prometheus."""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.base.config import Check, setting
from components.base.config.kinds import Boolean, Integer, Strings

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class MonitoringSettings:
    alarm_emails: tuple[str, ...] = setting(
        "alarmEmails",
        Strings(doc="list of e-mails"),
        default=(),
        doc="SNS e-mail subscribers of the alarm topic.",
    )
    prometheus: bool = setting(
        "prometheus",
        Boolean(),
        default=False,
        doc="Amazon Managed Prometheus workspace with an AWS-managed scraper in the private subnets.",
    )
    node_cpu_alarm_percent: int = setting(
        "nodeCpuAlarmPercent", Integer(10, 100), default=80, doc="Node CPU alarm threshold."
    )

    def checked(self, check: Check) -> MonitoringSettings:
        if bad := [e for e in self.alarm_emails if not EMAIL.match(e)]:
            check.fail("alarmEmails", list(self.alarm_emails), f"e-mail addresses (not {bad})")
        return self
