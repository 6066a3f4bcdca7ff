"""Finding registered resources by the ids and ARNs other resources refer to them with."""

from preflight.offline.recorder import Registration
from preflight.offline.runner import ProgramRun


def role_by_arn(run: ProgramRun, arn: str) -> Registration:
    return next(r for r in run.of_type("aws:iam/role:Role") if r.outputs["arn"] == arn)


def attached_policies(run: ProgramRun, role: Registration) -> list[str]:
    """Names of the managed policies attached to `role`, sorted."""
    return sorted(
        a.inputs["policyArn"].split("/")[-1]
        for a in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == role.outputs["name"]
    )


def inline_policies(run: ProgramRun, role: Registration) -> list[Registration]:
    """The inline policies (aws.iam.RolePolicy) of `role`."""
    return [
        p
        for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["name"]
    ]
