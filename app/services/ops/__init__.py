"""Operating the service rather than a job: start-up warm-up, checking the data folder, CLI generation.

`warm_up.py` does a provider's first-call imports ahead in a thread, `doctor.py` and `doctor_cli.py`
are `python main.py doctor`, and `remote_generate.py` makes `python main.py generate` ask a running
server for the comic instead of opening its data folder a second time. `metrics.py` holds the
Prometheus metrics `GET /metrics` serves, and `metered.py` the provider wrappers that feed them.
"""
