"""Fleets: the stacks of this repository listed in `fleet.yaml` (account, role, region, wave),
reviewed together (`python -m fleet review`) and rolled out wave after wave by
`.github/workflows/fleet.yml`. `inventory` reads and checks `fleet.yaml`, `waves` plans the
rollout and its GitHub matrices, `review` runs the offline change review of every stack in
parallel, `bump` edits one setting in many stack files, `job` is what a rollout job runs (the
readiness check, `pulumi up` through the Automation API, the health gate, the summary)."""
