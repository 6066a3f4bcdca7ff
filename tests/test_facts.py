"""Every fact the program holds about AWS says where it comes from: each entry of each fact table
names a recorded source with the date it was read, or says why nothing confirmed it. A table whose
entry lacks that fails here (the tests below show it does), and the tables agree with themselves
(the support phases with their dates, the add-ons table with its sources)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.addons.versions import VERSIONS_FILE
from components.base.iam import WILDCARD_ONLY_ACTIONS, WILDCARD_ONLY_SOURCES
from components.cluster import versions as kubernetes
from components.network.zones import EKS_UNSUPPORTED_ZONE_IDS, UNSUPPORTED_ZONES_FILE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "components" / "controllers" / "data"
REPLACEMENTS = ROOT / "preflight" / "replacements.json"
NETWORK_REQUIREMENTS = ROOT / "components" / "network" / "eks-network-requirements.json"
PRICES = ROOT / "preflight" / "prices.json"
EC2_PRICES = ROOT / "preflight" / "ec2_prices"

Entry = tuple[str, list[dict | None]]


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def cited(entry: str, ids: list[str], sources: dict) -> Entry:
    return entry, [sources.get(i) for i in ids]


def addon_entries(doc: dict) -> Iterator[Entry]:
    for table, provenance, sources in (
        ("kubernetes", "provenance", "sources"),
        ("controllers", "controllersProvenance", "controllersSources"),
    ):
        for minor, row in doc[table].items():
            for name in row:
                ids = doc[provenance].get(minor, {}).get(name, [])
                yield cited(f"versions.json {table} {minor} {name}", ids, doc[sources])
    for minor, row in doc["unconfirmed"].items():
        for name, reason in row.items():
            yield f"versions.json unconfirmed {minor} {name}", [{"unconfirmed": reason}]


def kubernetes_entries(doc: dict) -> Iterator[Entry]:
    for section in ("standard_support", "extended_support"):
        for version, entry in doc[section].items():
            yield cited(f"eks_versions.json {version}", entry.get("sources", []), doc["sources"])
    yield cited("eks_versions.json pricing", doc["pricing"].get("sources", []), doc["sources"])


def whole_file(name: str, doc: dict) -> Entry:
    return name, [doc.get("source")]


def requirement_entries(doc: dict) -> Iterator[Entry]:
    """Each section of what EKS needs of an existing VPC, with its own source or the file's."""
    for section, facts in doc.items():
        if isinstance(facts, dict) and section != "source":
            yield (
                f"eks-network-requirements.json {section}",
                [facts.get("source", doc.get("source"))],
            )


def price_entries(prices: dict, ec2_files: dict[str, dict]) -> Iterator[Entry]:
    """Each rate of each region in prices.json with its own record, and each EC2 price file
    (one record for all its rows, every one read from the same table)."""
    for name, rate in prices["everywhere"].items():
        yield f"prices.json everywhere {name}", [rate.get("provenance")]
    yield "prices.json lambda_free_tier", [prices["lambda_free_tier"].get("provenance")]
    for region, known in prices["regions"].items():
        for rate in known["usd"]:
            yield (
                f"prices.json {region} {rate}",
                [known.get("provenance", {}).get(rate)],
            )
    for region, doc in ec2_files.items():
        yield f"ec2_prices/{region}.json", [doc.get("provenance")]
        for typ, entry in doc.get("unconfirmed", {}).items():
            yield f"ec2_prices/{region}.json unconfirmed {typ}", [entry]


def table_entries() -> Iterator[Entry]:
    """Every entry of every fact table, with the source records it cites."""
    yield from addon_entries(load(VERSIONS_FILE))
    yield from kubernetes_entries(load(kubernetes.VERSIONS_FILE))
    compatibility = load(DATA / "karpenter-compatibility.json")
    for minor in compatibility["maxKubernetes"]:
        yield f"karpenter-compatibility.json {minor}", [compatibility.get("source")]
    yield whole_file(
        "karpenter-controller-policy.json", load(DATA / "karpenter-controller-policy.json")
    )
    yield whole_file(
        "aws-load-balancer-controller-policy.json",
        load(DATA / "aws-load-balancer-controller-policy.source.json"),
    )
    for typ, rule in load(REPLACEMENTS)["types"].items():
        yield (
            f"replacements.json {typ}",
            [rule.get("source") if isinstance(rule.get("source"), dict) else None],
        )
    for action, source in WILDCARD_ONLY_SOURCES.items():
        yield f"WILDCARD_ONLY_ACTIONS {action}", [source]
    zones = load(UNSUPPORTED_ZONES_FILE)
    for region in zones["zoneIds"]:
        yield f"eks-unsupported-zones.json {region}", [zones.get("source")]
    yield from requirement_entries(load(NETWORK_REQUIREMENTS))
    ec2_files = {f.stem: load(f) for f in sorted(EC2_PRICES.glob("*.json"))}
    yield from price_entries(load(PRICES), ec2_files)


def located(record: dict) -> bool:
    """A reader can open the source: a URL, a repository file at a commit or tag, or an AWS API
    call with its region (what `components.addons.refresh` records: anyone can run it again)."""
    at_commit = (
        record.get("repo") and record.get("path") and (record.get("commit") or record.get("tag"))
    )
    return bool(
        record.get("url")
        or at_commit
        or (record.get("kind") == "describe-addon-versions" and record.get("region"))
    )


def unlocated_pairs(doc: dict) -> set[tuple[str, str]]:
    """The (minor, add-on) pairs of the add-on table whose every cited source is marked
    `unconfirmed`: nothing a reader can open confirms them."""
    return {
        (minor, name)
        for minor, row in doc["kubernetes"].items()
        for name in row
        if all(doc["sources"].get(i, {}).get("unconfirmed") for i in doc["provenance"][minor][name])
    }


def provenance_problems(
    entries: Iterator[Entry], today: dt.date, *, where_required: bool = False
) -> list[str]:
    """What is wrong with the provenance of `entries`: no source, a source not recorded, a source
    a reader cannot open (`located`), no date read (unless the source says why it is
    unconfirmed), or a date that is not a past ISO date. Without `where_required` a source
    saying where or what is enough."""
    problems = []
    for name, records in entries:
        if not records:
            problems.append(f"{name}: no source")
        for record in records:
            if record is None:
                problems.append(f"{name}: cites a source that is not recorded")
                continue
            if record.get("unconfirmed"):
                continue
            if where_required and not located(record):
                problems.append(
                    f"{name}: a source a reader cannot open (no url, repo file at a commit or "
                    "tag, or AWS call in a region)"
                )
            elif not (record.get("url") or record.get("repo") or record.get("what")):
                problems.append(f"{name}: a source that says neither where nor what")
            read = record.get("read")
            if not read:
                problems.append(f"{name}: no date read")
                continue
            try:
                if dt.date.fromisoformat(read) > today:
                    problems.append(f"{name}: read {read}, a date still to come")
            except ValueError:
                problems.append(f"{name}: read {read!r}, not a date")
    return problems


def test_every_entry_of_every_fact_table_has_a_source_and_a_date_read():
    entries = list(table_entries())
    assert len(entries) > 60
    problems = provenance_problems(iter(entries), dt.date.today(), where_required=True)
    assert problems == []


def test_a_source_needs_a_place_a_reader_can_open():
    coredns = load(VERSIONS_FILE)["sources"]["eks-ug-coredns"]
    nowhere = {k: v for k, v in coredns.items() if k != "url"}
    no_commit = {**nowhere, "repo": "devopscoop/aws-eks-template", "path": "cluster/x.tfvars"}
    at_tag = {**no_commit, "tag": "v1.0.0"}
    api_call = {"kind": "describe-addon-versions", "region": "eu-west-1", "read": "2026-12-06"}
    api_call["what"] = "aws eks describe-addon-versions: the default version per minor"
    said_why = {**nowhere, "unconfirmed": "the index did not name its repository"}
    today = dt.date(2026, 12, 6)
    records = [("n", [nowhere]), ("c", [no_commit]), ("t", [at_tag])]
    records += [("a", [api_call]), ("w", [said_why])]
    assert provenance_problems(iter(records), today) == []  # what each says is enough
    assert provenance_problems(iter(records), today, where_required=True) == [
        "n: a source a reader cannot open (no url, repo file at a commit or tag, or AWS call in "
        "a region)",
        "c: a source a reader cannot open (no url, repo file at a commit or tag, or AWS call in "
        "a region)",
    ]


def test_an_entry_without_a_source_fails():
    doc = load(VERSIONS_FILE)
    stripped = copy.deepcopy(doc)
    del stripped["provenance"]["1.35"]["coredns"]
    del stripped["sources"]["eks-ug-kube-proxy"]["read"]
    stripped["provenance"]["1.36"]["vpc-cni"] = ["nowhere"]
    assert provenance_problems(addon_entries(stripped), dt.date(2026, 12, 6)) == [
        "versions.json kubernetes 1.34 kube-proxy: no date read",
        "versions.json kubernetes 1.35 coredns: no source",
        "versions.json kubernetes 1.35 kube-proxy: no date read",
        "versions.json kubernetes 1.36 kube-proxy: no date read",
        "versions.json kubernetes 1.36 vpc-cni: cites a source that is not recorded",
    ]


def test_a_whole_file_without_a_source_fails_and_a_date_must_be_one():
    policy = load(DATA / "karpenter-controller-policy.json")
    assert provenance_problems(iter([whole_file("k", {})]), dt.date(2026, 12, 6)) == [
        "k: cites a source that is not recorded"
    ]
    late = {**policy["source"], "read": "2027-01-01"}
    garbled = {**policy["source"], "read": "last week"}
    assert provenance_problems(iter([("k", [late]), ("g", [garbled])]), dt.date(2026, 12, 6)) == [
        "k: read 2027-01-01, a date still to come",
        "g: read 'last week', not a date",
    ]
    assert (
        provenance_problems(
            iter([("u", [{"unconfirmed": "no source read it"}])]), dt.date(2026, 12, 6)
        )
        == []
    )


def test_what_eks_needs_of_an_existing_vpc_is_a_table_whose_every_section_is_sourced():
    # The sections components/network/existing.py reads: the control-plane subnets, the load
    # balancer tags, the VPC's DNS and the private subnets without NAT (network-reqs.adoc).
    names = {name for name, _ in table_entries()}
    assert {
        f"eks-network-requirements.json {section}"
        for section in (
            "controlPlaneSubnets",
            "loadBalancerTags",
            "vpcDns",
            "privateSubnetsWithoutNat",
        )
    } <= names
    unsourced = {k: v for k, v in load(NETWORK_REQUIREMENTS).items() if k != "source"}
    located_source = {k: v for k, v in load(NETWORK_REQUIREMENTS)["source"].items() if k != "read"}
    undated = {**unsourced, "source": located_source}
    today = dt.date(2026, 12, 6)
    assert provenance_problems(requirement_entries(unsourced), today)[0] == (
        "eks-network-requirements.json controlPlaneSubnets: cites a source that is not recorded"
    )
    assert provenance_problems(requirement_entries(undated), today)[0] == (
        "eks-network-requirements.json controlPlaneSubnets: no date read"
    )


def test_the_add_on_table_cites_only_recorded_sources_and_confirms_or_explains_each_pair():
    doc = load(VERSIONS_FILE)
    for table, provenance in (
        ("kubernetes", "provenance"),
        ("controllers", "controllersProvenance"),
    ):
        assert {m: set(r) for m, r in doc[table].items()} == {
            m: set(r) for m, r in doc[provenance].items()
        }
    both = {(m, n) for m, r in doc["unconfirmed"].items() for n in r} & {
        (m, n) for m, r in doc["kubernetes"].items() for n in r
    }
    assert both == set()


# Add-on pairs whose every source is marked `unconfirmed` (no place a reader can open), read
# 2026-12-06. They stay in the table because dev and prod (1.35), the upgrade to 1.36 and the
# stacks on 1.34 install them: `python -m components.addons.refresh` replaces them with EKS's own
# defaults, or a located source moves a pair out of this set.
RESTING_ON_UNLOCATED_SOURCES = {
    ("1.34", "amazon-cloudwatch-observability"),
    ("1.34", "eks-node-monitoring-agent"),
    ("1.34", "metrics-server"),
    ("1.34", "vpc-cni"),
    ("1.35", "amazon-cloudwatch-observability"),
    ("1.35", "eks-node-monitoring-agent"),
    ("1.36", "amazon-cloudwatch-observability"),
    ("1.36", "eks-node-monitoring-agent"),
    ("1.36", "eks-pod-identity-agent"),
    ("1.36", "vpc-cni"),
}


def test_the_add_on_pairs_no_openable_source_confirms_are_known():
    doc = load(VERSIONS_FILE)
    assert unlocated_pairs(doc) == RESTING_ON_UNLOCATED_SOURCES
    # Read from the records: the user guide's CoreDNS and kube-proxy pages, devopscoop's tfvars,
    # the 1.35 defaults pinned by skax-ca/eks-reference-infra and lkhun9311's cluster, and the
    # 1.36 cluster of bangddong/switch-job-quest, each at a commit, are the pairs a reader can check.
    checkable = {
        ("1.35", "coredns"),
        ("1.35", "kube-proxy"),
        ("1.34", "aws-ebs-csi-driver"),
        ("1.35", "aws-ebs-csi-driver"),
        ("1.35", "metrics-server"),
        ("1.35", "vpc-cni"),
        ("1.36", "aws-ebs-csi-driver"),
        ("1.36", "metrics-server"),
    }
    assert checkable.isdisjoint(unlocated_pairs(doc))
    doc["sources"]["eks-ug-coredns"]["unconfirmed"] = "the page moved"
    assert {(m, "coredns") for m in ("1.34", "1.35", "1.36")} <= unlocated_pairs(doc)


def test_the_support_split_is_the_one_the_dates_give_on_the_day_it_was_read():
    doc = load(kubernetes.VERSIONS_FILE)
    read = dt.date.fromisoformat(doc["read"])
    for version in doc["standard_support"]:
        assert not kubernetes.past_standard_support(version, read), version
    for version in doc["extended_support"]:
        assert kubernetes.support_status(version, read).phase == "extended", version
    assert doc["default"] in kubernetes.new_stack_versions(read)


def test_the_zones_eks_refuses_are_the_user_guides():
    # Written down from the EKS user guide's network requirements (read 2026-12-06).
    assert set(EKS_UNSUPPORTED_ZONE_IDS) == {"use1-az3", "usw1-az2", "cac1-az3"}


def test_the_wildcard_only_actions_are_the_sourced_ones():
    assert set(WILDCARD_ONLY_ACTIONS) == {
        "logs:DescribeLogGroups",
        "logs:DescribeQueryDefinitions",
        "kms:CreateKey",
        "kms:ListAliases",
        "kms:ListKeys",
        "ec2:Describe*",
        "eks:ListClusters",
        "iam:ListRoles",
        "sts:GetCallerIdentity",
    }


@pytest.mark.parametrize(
    ("typ", "replace_on"),
    [
        # Written down from the ForceNew / RequiresReplace attributes of terraform-provider-aws
        # internal/service/eks/*.go and ec2/vpc_subnet.go, kms/key.go (read 2026-12-06).
        (
            "aws:eks/cluster:Cluster",
            {
                "name",
                "roleArn",
                "bootstrapSelfManagedAddons",
                "accessConfig.bootstrapClusterCreatorAdminPermissions",
                "kubernetesNetworkConfig.ipFamily",
                "kubernetesNetworkConfig.serviceIpv4Cidr",
                "outpostConfig.controlPlaneInstanceType",
                "outpostConfig.controlPlanePlacement.groupName",
                "remoteNetworkConfig",
            },
        ),
        ("aws:eks/addon:Addon", {"addonName", "clusterName"}),
        ("aws:eks/accessEntry:AccessEntry", {"clusterName", "principalArn", "type"}),
        (
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
            {"clusterName", "principalArn", "policyArn", "accessScope"},
        ),
        (
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            {"clusterName", "namespace", "serviceAccount"},
        ),
        (
            "aws:kms/key:Key",
            {"customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"},
        ),
    ],
)
def test_the_replacements_read_from_the_provider(typ, replace_on):
    rule = load(REPLACEMENTS)["types"][typ]
    assert set(rule["replaceOn"]) == replace_on
    assert rule["source"]["read"] == "2026-12-06" and rule["source"]["commit"]


def test_every_price_says_where_it_comes_from_and_one_without_fails():
    names = {name for name, _ in table_entries()}
    assert {
        "prices.json eu-west-1 nat_gateway_hour",
        "prices.json us-east-2 nat_gateway_hour",
        "prices.json everywhere kms_key_month",
        "ec2_prices/eu-west-1.json",
        "ec2_prices/us-east-2.json",
    } <= names
    prices = load(PRICES)
    stripped = copy.deepcopy(prices)
    del stripped["regions"]["us-east-2"]["provenance"]["nat_gateway_hour"]
    undated = {"eu-west-1": {**load(EC2_PRICES / "eu-west-1.json")}}
    undated["eu-west-1"]["provenance"] = {"repo": "skypilot-org/skypilot-catalog"}
    assert provenance_problems(price_entries(stripped, undated), dt.date(2026, 12, 6)) == [
        "prices.json us-east-2 nat_gateway_hour: cites a source that is not recorded",
        "ec2_prices/eu-west-1.json: no date read",
    ]
