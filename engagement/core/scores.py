"""The attention and engagement scores (0-100), defined in docs/engagement.md under "Scores".

attention  = 100 * (0.7 * page + 0.3 * presence)        presence unknown -> 100 * page
engagement = 0.8 * attention + 0.2 * (100 * activity)  activity unknown (emotions off, no clear face) -> attention

page: the class tab visible (1), minus 0.5 if the window is unfocused and 0.25 if idle for minutes; 0 when hidden.
presence: share of clear pictures with a face in view.
activity: 1 - p(neutral), how far the face is from a blank one. It weighs only 20% because a calm, neutral face
is how most attentive students look.
"""

from __future__ import annotations

ATTENTION_PAGE_WEIGHT = 0.7
ENGAGEMENT_ACTIVITY_WEIGHT = 0.2


def _clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def attention_score(*, page: float, presence: float | None = None) -> float:
    """Attention, 0-100, from page attention (0-1) and presence (0-1 or None when unknown)."""
    if presence is None:
        return 100.0 * _clip01(page)
    return 100.0 * (ATTENTION_PAGE_WEIGHT * _clip01(page) + (1.0 - ATTENTION_PAGE_WEIGHT) * _clip01(presence))


def engagement_score(*, page: float, presence: float | None = None, activity: float | None = None) -> float:
    """Engagement, 0-100: the attention score, blended 80/20 with facial activity when it is known."""
    attention = attention_score(page=page, presence=presence)
    if activity is None:
        return attention
    return (1.0 - ENGAGEMENT_ACTIVITY_WEIGHT) * attention + ENGAGEMENT_ACTIVITY_WEIGHT * 100.0 * _clip01(activity)
