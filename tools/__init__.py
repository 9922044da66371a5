"""Maintenance scripts run by the Makefile (standard library only): the dependency audit and the --no-deps lock."""
