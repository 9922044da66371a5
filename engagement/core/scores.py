"""The attention and engagement scores (0-100, or None without evidence), defined in docs/engagement.md under
"Scores".

attention  = 100 * (0.7 * page + 0.3 * presence)   presence unknown -> 100 * page; both unknown -> None
engagement = None unless the student was seen (a clear picture, with or without a face);
             else 0.8 * attention + 0.2 * (100 * activity)  (activity unknown -> attention),
             at most FLAGGED_CEILING while a drift flag (away, bored, looking away) is up.
class engagement = the sum of the students' engagement over the students who sent anything, a student we
             could not see adding 0; None when nobody was seen.

page: the class tab visible (1), minus 0.5 if the window is unfocused and 0.25 if idle for minutes; 0 when hidden;
None when the page sent no attention signals at all.
presence: share of clear pictures with a face in view (None: no clear picture, so nothing seen).
activity: 1 - p(neutral), how far the face is from a blank one. It weighs only 20% because a calm, neutral face
is how most attentive students look.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

ATTENTION_PAGE_WEIGHT = 0.7
ENGAGEMENT_ACTIVITY_WEIGHT = 0.2
# A drift flag says attention has been elsewhere for a while, whatever this one snapshot shows.
FLAGGED_CEILING = 40.0
# The flags that say attention drifted. "confused" is not one: a confused learner is working on the lesson.
DRIFT_FLAGS: frozenset[str] = frozenset({"absent", "bored", "looking_away"})


def _clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def attention_score(*, page: float | None, presence: float | None = None) -> float | None:
    """Attention, 0-100, from page attention (0-1) and presence (0-1); either may be None (unknown); None when
    both are."""
    if page is None:
        return None if presence is None else 100.0 * _clip01(presence)
    if presence is None:
        return 100.0 * _clip01(page)
    return 100.0 * (ATTENTION_PAGE_WEIGHT * _clip01(page) + (1.0 - ATTENTION_PAGE_WEIGHT) * _clip01(presence))


def engagement_score(
    *,
    page: float | None,
    presence: float | None,
    activity: float | None = None,
    drift_flagged: bool = False,
) -> float | None:
    """Engagement, 0-100, or None when the student was not seen (presence unknown: no clear picture).

    The attention score, blended 80/20 with facial activity when it is known, and held at FLAGGED_CEILING at
    most while a drift flag is up."""
    if presence is None:
        return None
    attention = attention_score(page=page, presence=presence)
    assert attention is not None  # presence is known
    score = attention
    if activity is not None:
        score = (1.0 - ENGAGEMENT_ACTIVITY_WEIGHT) * attention + ENGAGEMENT_ACTIVITY_WEIGHT * 100.0 * _clip01(activity)
    return min(score, FLAGGED_CEILING) if drift_flagged else score


def class_engagement(scores: Iterable[float | None]) -> float | None:
    """The class's engagement from each student's (one entry per student who sent anything): their mean, a student
    not seen (None) counting 0, so unseen students pull the class down; None when no student was seen."""
    values = list(scores)
    seen = [v for v in values if v is not None]
    if not seen:
        return None
    return math.fsum(seen) / len(values)


def class_attention(scores: Iterable[float | None]) -> float | None:
    """The mean attention of the students whose attention is known; None when nobody's is."""
    known = [v for v in scores if v is not None]
    return math.fsum(known) / len(known) if known else None
