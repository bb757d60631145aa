"""Sentences that read as English and can be said in the reader's language later (no Django imports).

Pure modules (trust evaluation, identifier checks) explain themselves in words, but cannot translate:
they have no request and no language. A :class:`Text` is the English sentence (its ``str``: what the API
answers, what a record stores) that keeps its template and arguments, so a page renders it with
``gettext`` (:meth:`Text.render`). Templates are marked with :func:`gettext_noop` (or a module's own
alias that `make messages` is told about) so the catalogue has them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def gettext_noop(template: str) -> str:
    """Mark ``template`` for the message catalogue; translated where it is shown."""
    return template


class Text(str):
    """An English sentence with the template and arguments it was made from.

    Arguments are codes, dates, numbers and names, which stay as they are, or further texts, rendered in turn.
    """

    template: str
    args: Mapping[str, object]

    def __new__(cls, template: str, **args: object) -> Text:
        text = super().__new__(cls, template % {key: str(value) for key, value in args.items()} if args else template)
        text.template = template
        text.args = args
        return text

    def render(self, translate: Callable[[str], str], word: Callable[[str], str] = str) -> str:
        """The sentence with ``translate`` applied to each template and ``word`` to each plain argument."""
        template = translate(self.template)
        if not self.args:
            return template
        return template % {
            key: value.render(translate, word) if isinstance(value, Text) else word(str(value))
            for key, value in self.args.items()
        }


def render(text: str, translate: Callable[[str], str]) -> str:
    """``text`` in the reader's language when it is a :class:`Text`, as it is otherwise."""
    return text.render(translate) if isinstance(text, Text) else text
