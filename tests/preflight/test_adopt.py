"""Adopting the log groups the CloudWatch add-on made before the stack managed them: an import
under the very URN, parent and protection the program registers, only for groups AWS has and the
state lacks, never for a stack never deployed."""

from preflight.adopt import LOG_GROUP, import_commands


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
