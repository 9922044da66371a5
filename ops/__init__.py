"""Operating Classroom Pulse: health probes, Prometheus metrics, the inference workers' heartbeat and logs.

    metrics    the metric definitions and the one-line calls the live path makes to update them
    heartbeat  each inference worker's heartbeat in Redis (and systemd's watchdog), and who is alive
    health     the checks behind /readyz: database, cache, a channel-layer round trip, worker heartbeats
    probes     /healthz, /readyz and /metrics, answered before host validation and the SSL redirect
    logs       JSON log lines carrying the request and class-session ids (LOG_FORMAT=json)
    probe      `python -m ops.probe`: the container and systemd health-check client (standard library only)

It sits below the apps: classroom and engagement call into it, it imports none of them.
"""
