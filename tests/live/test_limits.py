"""The token bucket every socket's commands pass (live.limits), on an injected clock."""

from live.limits import CommandBucket, Verdict


def bucket() -> CommandBucket:
    return CommandBucket(burst=30, per_second=5, flood_refusals=100, flood_window_s=10)


def test_a_burst_runs_then_the_sustained_rate_applies():
    commands = bucket()
    assert [commands.take(0.0) for _ in range(30)] == [Verdict.RUN] * 30
    assert commands.take(0.0) is Verdict.REFUSE
    assert commands.take(0.2) is Verdict.RUN  # one token back after 1/5 s
    assert commands.take(0.2) is Verdict.REFUSE


def test_a_person_clicking_fast_never_gets_refused():
    commands = bucket()
    t = 0.0
    for _ in range(600):  # four commands a second for two and a half minutes
        assert commands.take(t) is Verdict.RUN
        t += 0.25


def test_a_flood_is_closed_after_enough_refusals_in_the_window():
    commands = bucket()
    verdicts = [commands.take(i * 0.001) for i in range(1000)]  # a thousand a second
    assert verdicts[:30] == [Verdict.RUN] * 30
    assert Verdict.CLOSE in verdicts
    assert verdicts.index(Verdict.CLOSE) < 200


def test_refusals_spread_over_time_do_not_close():
    commands = bucket()
    for _ in range(30):
        commands.take(0.0)
    t = 0.0
    for _ in range(50):  # one refusal every 11 s: never 100 in a window
        assert commands.take(t) in (Verdict.RUN, Verdict.REFUSE)
        t += 11.0
