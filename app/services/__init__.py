"""The service layer, grouped by pipeline stage: a comic's story, its cast, its drawing, its finishing.

`jobs/` drives a job through those stages (the service the routes and the CLI call, the background
steps, live updates); `ops/` holds what runs the service rather than a job (start-up warm-up, the data
folder check, generating through a running server); `container.py` builds all of it once at start-up.
The state rules every stage checks live with the models (`app/models/workflow.py`).
"""
