"""The multi-AZ network: settings (`network.*`), the subnet plan, AZ choice, flow-log IAM, and
the Network component."""
