"""Kubernetes versions and EKS support, by date: the table holds the dates and prices the sources
give; a new stack starts only on a version in standard support; a deployed one is told, from 60
days before the end of standard support, the date, what extended support costs and which version
to set; on the end date itself the version is already past standard support (EKS bills extended
support from the start of that day, UTC)."""

import datetime as dt

import pytest

from components.cluster import versions
from components.cluster.versions import (
    deployed_stack_warning,
    new_stack_versions,
    past_standard_support,
    refuse_for_new_stack,
    support_status,
    version_problem,
)

D = dt.date
TODAY = D(2026, 12, 6)
# Written down from the sources (read 2026-12-06): for 1.34 the EKS user guide's release calendar
# (awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc at 01385604), for
# 1.35 the aws-samples EKS support calendar and endoflife.date; EKS pricing: 0.10 and 0.60 USD
# per cluster-hour, 730 h.
END_1_34 = D(2026, 12, 2)
EXTENDED_END_1_34 = D(2027, 12, 2)
END_1_35 = D(2027, 3, 27)
EXTENDED_END_1_35 = D(2028, 3, 27)
EXTRA_PER_MONTH = 365.00


def test_the_table_holds_the_dates_and_prices_read():
    w34, w35 = versions.STANDARD_SUPPORT["1.34"], versions.STANDARD_SUPPORT["1.35"]
    assert (w34.end_of_standard_support, w34.end_of_extended_support) == (
        END_1_34,
        EXTENDED_END_1_34,
    )
    assert (w35.end_of_standard_support, w35.end_of_extended_support) == (
        END_1_35,
        EXTENDED_END_1_35,
    )
    assert versions.EXTENDED_EXTRA_MONTHLY_USD == EXTRA_PER_MONTH
    assert versions.DEFAULT_VERSION == "1.35"
    # 1.36's EKS dates are not published in what was read: estimated, and saying so.
    assert versions.STANDARD_SUPPORT["1.36"].estimated
    assert not w34.estimated and not w35.estimated


@pytest.mark.parametrize(
    ("today", "phase", "days_left"),
    [
        (END_1_34 - dt.timedelta(days=61), "standard", 61),
        (END_1_34 - dt.timedelta(days=60), "ending-soon", 60),
        (END_1_34 - dt.timedelta(days=1), "ending-soon", 1),
        (END_1_34, "extended", 0),
        (END_1_34 + dt.timedelta(days=1), "extended", -1),
        (EXTENDED_END_1_34 - dt.timedelta(days=1), "extended", -364),
        (EXTENDED_END_1_34, "unsupported", -365),
    ],
)
def test_support_status_at_the_boundaries(today, phase, days_left):
    status = support_status("1.34", today)
    assert (status.phase, status.days_left) == (phase, days_left)
    assert status.end_of_standard_support == END_1_34
    assert status.end_of_extended_support == EXTENDED_END_1_34
    assert status.extended_extra_monthly_usd == EXTRA_PER_MONTH
    assert past_standard_support("1.34", today) is (phase in ("extended", "unsupported"))


def test_1_34_left_standard_support_before_today_and_1_35_has_not():
    assert past_standard_support("1.34", TODAY)
    assert not past_standard_support("1.35", TODAY)
    assert support_status("1.35", TODAY).phase == "standard"


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (END_1_34 - dt.timedelta(days=1), ["1.34", "1.35", "1.36"]),
        (END_1_34, ["1.35", "1.36"]),
        (TODAY, ["1.35", "1.36"]),
        (END_1_35, ["1.36"]),
    ],
)
def test_which_versions_a_new_stack_may_start_on(today, allowed):
    assert new_stack_versions(today) == allowed


def test_a_new_stack_may_not_start_past_standard_support():
    assert refuse_for_new_stack("1.34", TODAY) == (
        'kubernetesVersion = "1.34": Kubernetes 1.34 left EKS standard support on 2026-12-02; '
        "a new stack must start on a version in standard support: 1.35, 1.36"
    )
    assert refuse_for_new_stack("1.34", END_1_34) is not None
    assert refuse_for_new_stack("1.34", END_1_34 - dt.timedelta(days=1)) is None
    assert refuse_for_new_stack("1.35", TODAY) is None
    assert refuse_for_new_stack("1.28", TODAY) is None  # version_problem's to refuse


def test_a_deployed_stack_past_the_end_is_told_the_date_the_price_and_the_next_version():
    assert deployed_stack_warning("1.34", TODAY) == (
        "Kubernetes 1.34 left EKS standard support on 2026-12-02: set kubernetesVersion to 1.35 "
        "and deploy. With upgradePolicy STANDARD EKS upgrades the control plane itself; with "
        "EXTENDED extended support costs 0.60 instead of 0.10 USD per cluster-hour, 365.00 USD a "
        "month more, until 2027-12-02."
    )
    assert deployed_stack_warning("1.34", END_1_34).startswith(
        "Kubernetes 1.34 left EKS standard support on 2026-12-02"
    )


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (END_1_35 - dt.timedelta(days=61), False),
        (END_1_35 - dt.timedelta(days=60), True),
        (END_1_35 - dt.timedelta(days=1), True),
    ],
)
def test_a_deployed_stack_is_warned_from_60_days_before_the_end(today, warned):
    warning = deployed_stack_warning("1.35", today)
    assert (warning is not None) is warned
    if warned:
        days = (END_1_35 - today).days
        assert warning == (
            f"Kubernetes 1.35 leaves EKS standard support on 2027-03-27 ({days} days): set "
            "kubernetesVersion to 1.36 and deploy before then. After it EKS upgrades the control "
            "plane itself (upgradePolicy STANDARD), or, with EXTENDED, extended support costs "
            "0.60 instead of 0.10 USD per cluster-hour, 365.00 USD a month more."
        )


def test_past_extended_support_a_version_is_refused_outright():
    assert version_problem("1.34", TODAY) is None  # a deployed stack on 1.34 still parses
    assert version_problem("1.34", EXTENDED_END_1_34) == (
        "left EKS extended support on 2027-12-02: EKS no longer runs it and upgrades such a "
        "cluster itself; a new stack may start on none in the table: refresh "
        "policy/eks_policies/eks_versions.json"
    )
    assert version_problem("1.34", D(2027, 3, 1)) is None
    assert deployed_stack_warning("1.34", EXTENDED_END_1_34).startswith(
        "Kubernetes 1.34 left EKS extended support on 2027-12-02"
    )


def test_an_unknown_version_names_what_a_new_stack_may_use():
    assert version_problem("1.28", TODAY) == (
        "is not an EKS version in standard support this baseline knows; "
        "a new stack may start on 1.35, 1.36"
    )
    assert version_problem("1.35.2", TODAY).startswith("must look like '1.<minor>'")
    assert deployed_stack_warning("1.28", TODAY) is None
