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
    # No source read on 2026-12-06 confirmed these: kept, and marked unconfirmed in the data.
    assert book.usd["eks_cluster_hour"] == 0.1 and book.usd["ebs_gp3_gb_month"] == 0.088
    provenance = load_data("prices.json")["regions"]["eu-west-1"]["provenance"]
    assert "unconfirmed" in provenance["eks_cluster_hour"]
    assert "unconfirmed" in provenance["ebs_gp3_gb_month"]


def test_eu_west_1_types_no_source_confirmed_price_nothing():
    book = price_book("eu-west-1")
    assert not {"t3.large", "m6i.large", "c7i.large", "m7a.large"} & set(book.ec2_usd_per_hour)


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
