"""What every component of the stack shares: where it deploys and under which names and tags
(`context`), how a component parents, names and tags its children and builds roles and audit
log groups (`component`, `logs`), and the IAM document basics (`iam`)."""
