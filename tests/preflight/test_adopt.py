"""Adopting the log groups the CloudWatch add-on made before the stack managed them: an import
under the very URN, parent and protection the program registers, only for groups AWS has and the
state lacks, never for a stack never deployed."""

from preflight.adopt import (
    LOG_GROUP,
    describe_log_groups_command,
    import_commands,
    offline_registrations,
)


def insights(run):
    return [r for r in run.of_type(LOG_GROUP) if "/aws/containerinsights/" in r.inputs["name"]]


def test_the_add_on_s_groups_are_imported_under_the_program_s_resources(dev):
    groups = insights(dev)
    assert len(groups) == 4
    in_state = {r.urn for r in dev.registrations} - {g.urn for g in groups}
    commands = import_commands(dev.registrations, in_state, lambda name: True, "dev")
    assert len(commands) == 4
    for group, command in zip(groups, commands, strict=True):
        assert command[:5] == ["pulumi", "import", LOG_GROUP, group.name, group.inputs["name"]]
        assert f"parent={group.parent}" in command and "--yes" in command
        assert ("--protect" in command) == group.protect


def test_nothing_to_adopt_when_aws_lacks_them_or_the_state_has_them(dev):
    everything = {r.urn for r in dev.registrations}
    assert import_commands(dev.registrations, everything, lambda name: True, "dev") == []
    without = everything - {g.urn for g in insights(dev)}
    assert import_commands(dev.registrations, without, lambda name: False, "dev") == []
    # No parent in the state (a destroyed or new stack): nothing can be imported under it.
    assert import_commands(dev.registrations, set(), lambda name: True, "dev") == []


def test_a_region_the_offline_tools_cannot_run_still_names_the_log_groups(dev):
    found = offline_registrations("dev", {"aws:region": "us-gov-west-1"})
    names = {r.inputs["name"] for r in found if r.type == LOG_GROUP}
    assert names == {r.inputs["name"] for r in dev.of_type(LOG_GROUP)}
    assert {r.urn for r in found if r.type == LOG_GROUP} == {r.urn for r in dev.of_type(LOG_GROUP)}


def test_settings_that_cannot_run_offline_adopt_nothing(capsys):
    assert offline_registrations("dev", {"eks-platform:kubernetesVersion": "1.20"}) == []
    assert "cannot run offline, nothing adopted" in capsys.readouterr().err


def test_log_groups_are_looked_up_in_the_stacks_region():
    assert describe_log_groups_command("/aws/x", "eu-west-1") == [
        "aws",
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "/aws/x",
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ]
    assert "--region" not in describe_log_groups_command("/aws/x", None)


def test_anything_that_stops_the_program_offline_adopts_nothing(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("the mocked cloud broke")

    monkeypatch.setattr("preflight.adopt.run_program", broken)
    assert offline_registrations("dev") == []
    assert "the mocked cloud broke" in capsys.readouterr().err
