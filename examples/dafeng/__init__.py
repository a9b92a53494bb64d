"""A day in Dafeng: a scenario that drives a real Fengxingxia server through its public API only.

``python examples/dafeng_day.py --help`` lists the options. The modules:

- ``services``: starts the server (and SeaweedFS, and a fresh PostgreSQL database) and stops them.
- ``client``: GraphQL over HTTP and graphql-transport-ws over a websocket, as the apps use them.
- ``documents``: the GraphQL documents the scenario sends.
- ``people``: generated couriers, staff, photos with EXIF and phone locations in GCJ-02.
- ``plan``: what happens during the day, decided before it starts.
- ``day``: the morning: set-up, registration, the shift-start logins and the reports.
- ``work``: the afternoon: departments, the back office's triage, verification and payouts, the gate.
- ``checks`` and ``summary``: the invariants and the street-office manager's summary.
"""
