"""Running a job through the stages: the actions the routes and the CLI call, and the steps in the background.

`comic_service.py` checks and changes a job's state for each action, `runner.py` runs each long step as
a background task that persists its outcome, `pipeline.py` is those steps (write and rewrite the scenes,
draw the panels, finish the comic), and `events.py` publishes each stored change to the clients watching.
"""
