"""The workflow: state rules, the background pipeline and the service the routes call."""
