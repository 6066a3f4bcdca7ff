"""`python -m preflight`: the offline report of a stack (resources, policy verdicts, estimated
cost and first-deploy time), built on `preflight/offline/`."""
