"""The benchmark's simulated class: the shape the live path sees (one reading per student per tick)."""

from engagement.core.bench import STEP_S, class_lesson


def test_the_simulated_class_has_one_reading_per_student_per_tick_in_time_order():
    ticks = class_lesson(3, 2)
    assert len(ticks) == 2 * 60 / STEP_S
    for i, tick in enumerate(ticks):
        assert [r.participant_id for r in tick] == [0, 1, 2]
        assert {r.t for r in tick} == {ticks[0][0].t + i * STEP_S}


def test_the_simulated_class_is_the_same_every_time():
    assert class_lesson(2, 1) == class_lesson(2, 1)
