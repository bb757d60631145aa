"""Texts: English sentences that keep their template and arguments, stored as JSON and said again later."""

from __future__ import annotations

import json
import re

from apps.core.words import Quoted, Text, text_data, text_from_data


def shout(template: str) -> str:
    """A "translation": the template in capitals, its placeholders as they are."""
    return re.sub(
        r"%\([a-z]+\)s|[^%]+",
        lambda match: match.group() if match.group()[0] == "%" else match.group().upper(),
        template,
    )


def test_a_quoted_message_reads_as_it_was_written_and_renders_in_its_frame():
    message = Quoted("does not match: %(message)s", "'x' is not a 'date-time'")
    assert message == "'x' is not a 'date-time'"
    assert message.render(shout) == "DOES NOT MATCH: 'x' is not a 'date-time'"


def test_a_text_kept_as_json_renders_as_it_did():
    said = Text(
        "event %(index)s: %(detail)s",
        index=3,
        detail=Text("%(a)s or %(b)s", a=Text("a string"), b=Quoted("schema: %(message)s", "library words")),
    )
    kept = json.loads(json.dumps(text_data(said)))
    assert text_from_data(kept).render(shout) == said.render(shout) == "EVENT 3: A STRING OR SCHEMA: library words"
    assert str(said) == "event 3: a string or library words"


def test_a_plain_string_keeps_no_words():
    assert text_data("as stored") is None
