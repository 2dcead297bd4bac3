"""`make bench`: latency against the critical path, API latency under load, the store at 10,000 comics."""
