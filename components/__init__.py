"""The program's ComponentResources, one folder per concern, bottom up: `base` (what every
component shares: the stack context, the component base class, IAM documents, tag keys, and the
settings declaration kit in `base/config`), then `network`, `addons`, `cluster`, `nodes`,
`monitoring`, `controllers`, and on top `stack` (the stack's settings, the deployment record and
the day-2 guard)."""
