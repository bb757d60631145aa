"""Sentences that read as English and can be said in the reader's language later (no Django imports).

Pure modules (trust evaluation, identifier checks) explain themselves in words, but cannot translate:
they have no request and no language. A :class:`Text` is the English sentence (its ``str``: what the API
answers, what a record stores) that keeps its template and arguments, so a page renders it with
``gettext`` (:meth:`Text.render`). Templates are marked with :func:`gettext_noop` (or a module's own
alias that `make messages` is told about) so the catalogue has them. :func:`text_data` and
:func:`text_from_data` keep a text in a JSON field; a :class:`Quoted` is a library's English in a frame of ours.
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
    data: dict[str, object]  # set by text_data, once: the text as JSON (shared, never changed)

    def __new__(cls, template: str, **args: object) -> Text:
        text = super().__new__(cls, template % {key: str(value) for key, value in args.items()} if args else template)
        text.template = template
        text.args = args
        return text

    def mapped(self, change: Callable[[object], object]) -> Text:
        """The same sentence with ``change`` applied to each plain argument, in nested texts too."""
        return Text(
            self.template,
            **{
                key: value.mapped(change) if isinstance(value, Text) else change(value)
                for key, value in self.args.items()
            },
        )

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


def text_data(text: str) -> dict[str, object] | None:
    """``text``'s template and arguments as JSON, for a record to say it again later; ``None`` for a plain str."""
    if not isinstance(text, Text):
        return None
    if (data := text.__dict__.get("data")) is not None:
        return data  # a text shared by many records (a notice's window) is put into words once
    args: dict[str, object] = {}
    for key, value in text.args.items():
        if isinstance(value, Text):
            args[key] = text_data(value)
        elif isinstance(value, bool | int | float):
            args[key] = value
        else:
            args[key] = str(value)
    text.data = {"template": text.template, "args": args}
    return text.data


def text_from_data(data: object) -> Text | None:
    """The :class:`Text` that :func:`text_data` stored, or ``None`` when ``data`` is not one (an older record)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("template"), str):
        return None
    raw = data.get("args") or {}
    if not isinstance(raw, Mapping):
        return None
    args: dict[str, object] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):
            nested = text_from_data(value)
            if nested is None:
                return None
            args[key] = nested
        else:
            args[key] = value
    try:
        return Text(data["template"], **args)
    except (KeyError, TypeError, ValueError):  # a template that no longer fits its arguments
        return None


def joined(parts: list[str], separator: str) -> str:
    """``parts`` one after the other with ``separator`` between them: a :class:`Text` that keeps each part's
    wording (a sentence of several findings), ``""`` for none."""
    if not parts:
        return ""
    result = parts[0]
    for part in parts[1:]:
        result = Text(f"%(before)s{separator}%(after)s", before=result, after=part)
    return result


class Quoted(Text):
    """Someone else's English (a library's message, which no catalogue translates) inside a frame of ours.

    Its ``str`` is the message alone, as it has always read (what the API answers); :meth:`render` puts it in
    ``frame``, a template with ``%(message)s`` in the reader's language, and leaves the message as it is.
    """

    def __new__(cls, frame: str, message: str) -> Quoted:
        text = str.__new__(cls, message)
        text.template = frame
        text.args = {"message": message}
        return text

    def mapped(self, change: Callable[[object], object]) -> Text:
        """Still the message alone in English, changed."""
        return Quoted(self.template, str(change(self.args["message"])))
