"""What every component of the stack shares: where it deploys and under which names and tags
(`context`), how a component parents, names and tags its children and builds IAM roles and
encrypted log groups (`component`), the IAM document basics (`iam`), and the tag keys that
Kubernetes controllers look for (`tags`)."""
