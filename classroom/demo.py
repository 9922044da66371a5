"""The demo teacher of the embedded default (`make run`, `make demo`)."""

DEMO_USERNAME = "teacher"
DEMO_PASSWORD = "teacher"
