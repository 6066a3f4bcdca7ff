"""Day 2: what a deployment records, and the changes to it that AWS would reject or that would
destroy what the stack holds. The same rules guard `pulumi up` (from the last deployment's
record) and the offline change review (`python -m preflight --stack S --against REF`)."""
