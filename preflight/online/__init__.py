"""`python -m preflight --stack S --online [--json]`: a read-only readiness check of a stack
against the account, before `pulumi up` (docs/online.md).

`check.py` runs it: the program offline for what the stack WILL be (`stack.py`), AWS asked
concurrently for what IS (`aws.py`, the one layer that calls AWS; `errors.py` says why a call
got no answer), then the checks, small pure functions over both (`addons.py`, `versions.py`,
`capacity.py`, `quotas.py`, `identity.py`), and one verdict (`findings.py`). `facts.json` holds
what the checks rely on about AWS, each fact with its source; `replay.py` answers recorded calls
on 127.0.0.1 for the tests and the benchmark."""
