"""The vocabulary (engagement/vocabulary.py) in templates: as JSON for the JavaScript, as choices for the HTML."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from engagement.vocabulary import vocabulary

register = template.Library()


@register.simple_tag
def vocabulary_json() -> SafeString:
    """<script id="pulse-vocabulary" type="application/json">...</script>"""
    return json_script(vocabulary(), "pulse-vocabulary")


@register.simple_tag
def choices(name: str) -> list[tuple[str, str]]:
    """[(value, label)] of one word list: "report", "sensitivity" or "poll_answer"."""
    return list(vocabulary()[f"{name}_labels"].items())
