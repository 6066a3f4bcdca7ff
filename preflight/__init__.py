"""Offline runs of the Pulumi program: the mocked cloud, policy verdicts, cost and deploy-time estimates."""
