"""Engagement: readings, flags, the class mood timeline and history (pure rules in engagement.core)."""
