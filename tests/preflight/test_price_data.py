"""The price data held against prices written down from their sources (each named beside it,
read 2026-12-06): never against values read from the tables themselves."""

from preflight.estimates import load_data, price_book, priced_regions

# --------------------------------------------------------------------------- the price data
# Prices written down from their sources (read 2026-12-06), held against the data files:
# us-east-1 EC2 from aws/karpenter-provider-aws zz_generated.pricing_aws.go @6fc13b5 (AWS
# Price List API, generated 2026-07-20) and, independently, the AWS price list files quoted in
# SoongGuanLeong/de-platform docs/research/21, 22, 23 @ca43bac (published 2026-09);
# ap-southeast-5 from the same research; KMS from aws.amazon.com/kms/pricing.


def test_us_east_1_prices_match_two_sources():
    book = price_book("us-east-1")
    assert len(book.ec2_usd_per_hour) >= 1300  # every type the price list had, not a sample
    ec2 = {"t4g.medium": 0.0336, "m7g.large": 0.0816, "m7g.xlarge": 0.1632, "m7i.large": 0.1008}
    assert {t: book.ec2_usd_per_hour[t] for t in ec2} == ec2
    assert book.usd["eks_cluster_hour"] == 0.1 and book.usd["nat_gateway_hour"] == 0.045
    assert book.usd["public_ipv4_hour"] == 0.005 and book.usd["interface_endpoint_az_hour"] == 0.01
    assert book.usd["ebs_gp3_gb_month"] == 0.08 and book.usd["kms_key_month"] == 1.0


def test_ap_southeast_5_prices_and_the_rates_it_lacks():
    book = price_book("ap-southeast-5")
    assert (
        book.ec2_usd_per_hour["m7g.large"] == 0.0867
        and book.ec2_usd_per_hour["t4g.medium"] == 0.0382
    )
    assert book.usd["nat_gateway_hour"] == 0.05015 and book.usd["ebs_gp3_gb_month"] == 0.0864
    assert book.usd["interface_endpoint_az_hour"] == 0.0117
    assert "cloudwatch_log_ingest_gb" not in book.usd  # no source read: unpriced there


def test_eu_west_1_prices_match_the_price_list():
    # EC2: the AWS Price List (eu-west-1, on-demand Linux, shared) as generated into
    # skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv @001367d, rows read 2026-12-06.
    book = price_book("eu-west-1")
    ec2 = {
        "t4g.medium": 0.0368,
        "m7i.large": 0.11235,  # shipped as 0.1124, rounded
        "m7i.xlarge": 0.2247,
        "m7g.xlarge": 0.1819,  # unpriced here before
        "r7i.large": 0.14805,  # shipped as 0.1478
    }
    assert {t: book.ec2_usd_per_hour[t] for t in ec2} == ec2
    # NAT gateway: the AWS Price List AmazonEC2/20260925174521/eu-west-1 row
    # EU-NatGateway-Hours, 0.048 USD/Hrs (as quoted in a public capture, README-amazonec2-capture).
    assert book.usd["nat_gateway_hour"] == 0.048
    # gordonmurray/metabare.com @6a7d289 (Price List API, eu-west-1, 2026-07-29): "1 cluster at
    # $0.10/hour", "gp3 at $0.088/GB-month", "interface VPC endpoints ($8.03/mo each per AZ)".
    assert book.usd["eks_cluster_hour"] == 0.1 and book.usd["ebs_gp3_gb_month"] == 0.088
    assert round(book.usd["interface_endpoint_az_hour"] * 730, 2) == 8.03
    # mamtha4u/SDLC backend/config/pricing_eu-west-1.json @45b7bae (AmazonCloudWatch eu-west-1,
    # 2026-09-22): "$0.57 per GB custom log data ingested", "$0.10 per alarm metric month".
    assert book.usd["cloudwatch_log_ingest_gb"] == 0.57
    assert book.usd["cloudwatch_alarm_month"] == 0.1
    # techpartner.news on AWS's announcement: US$0.005 an address-hour "in all AWS regions".
    assert book.usd["public_ipv4_hour"] == 0.005
    provenance = load_data("prices.json")["regions"]["eu-west-1"]["provenance"]
    assert [r for r, p in provenance.items() if "unconfirmed" in p] == [
        "cloudwatch_dashboard_month"  # no eu-west-1 source read on 2026-12-06
    ]


def test_eu_west_1_and_us_east_2_families_read_from_the_catalog():
    # skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv @001367d, the Price column of each
    # type's rows, written down on 2026-12-06 as (eu-west-1, us-east-2).
    rows = {
        "c6i.large": (0.0912, 0.085),
        "c6i.4xlarge": (0.7296, 0.68),
        "c7g.large": (0.0775, 0.0723),
        "c7g.4xlarge": (0.6202, 0.5781),
        "c7i.large": (0.09576, 0.08925),  # shipped unconfirmed in eu-west-1 as 0.0994
        "c7i.2xlarge": (0.38304, 0.357),
        "m6i.large": (0.107, 0.096),
        "m6i.2xlarge": (0.428, 0.384),
    }
    for i, region in enumerate(("eu-west-1", "us-east-2")):
        prices = price_book(region).ec2_usd_per_hour
        assert {t: prices[t] for t in rows} == {t: pair[i] for t, pair in rows.items()}, region


def test_eu_west_1_types_no_source_confirmed_price_nothing():
    book = price_book("eu-west-1")
    assert not {"t3.large", "t3a.large", "m7a.large"} & set(book.ec2_usd_per_hour)


def test_us_east_2_prices_and_the_rates_it_lacks():
    # EC2: the same catalog's us-east-2 rows (read 2026-12-06); NAT and public IPv4:
    # cloudburn.io/blog/aws-nat-gateway-pricing (2026-02-24): "$0.045/hour in US East", a NAT
    # gateway in US East (Ohio) at $32.40 a 720-hour month, public IPv4 at $0.005/hour.
    book = price_book("us-east-2")
    ec2 = {"t4g.medium": 0.0336, "m7i.large": 0.1008, "m7g.xlarge": 0.1632, "m7g.large": 0.0816}
    assert {t: book.ec2_usd_per_hour[t] for t in ec2} == ec2
    assert book.usd["nat_gateway_hour"] == 0.045 and book.usd["public_ipv4_hour"] == 0.005
    # No source read for the control plane, endpoints, gp3 or CloudWatch there: unpriced.
    assert not {"eks_cluster_hour", "ebs_gp3_gb_month", "cloudwatch_alarm_month"} & set(book.usd)


def test_a_region_without_data_knows_only_what_is_priced_everywhere():
    book = price_book("ca-central-1")
    assert dict(book.usd) == {"kms_key_month": 1.0} and book.ec2_usd_per_hour == {}
    assert "services: none for ca-central-1" in book.sources
    assert set(priced_regions()) == {"ap-southeast-5", "eu-west-1", "us-east-1", "us-east-2"}


def test_graviton_prices_are_below_their_x86_peers():
    for region in priced_regions():
        prices = price_book(region).ec2_usd_per_hour
        assert prices["m7g.large"] < prices["m7i.large"], region
    prices = price_book("eu-west-1").ec2_usd_per_hour
    assert prices["t4g.large"] == 2 * prices["t4g.medium"]  # EC2 prices scale with size
