"""Service entry points take their options by name: `actor` (who acts, for the audit log) is
keyword-only wherever it is optional, and no function swallows unknown keywords (a misspelled
option must fail, not vanish as `respond(…, **_ignored)` once made it)."""
import importlib
import inspect
import pkgutil

import pytest

import alumni.services

#: Functions whose ** is a mapping by nature, not options: (module, function) → why.
VAR_KEYWORD_ALLOWED = {
    ("account_mail", "render_mail_template"): "the template's context",
    ("csvsafe", "writer"): "the csv module's format parameters, passed on",
    ("outbox", "queue_message"): "one outbox row's columns (typed by the outbox rows' TypedDict)",
    ("outbox", "queue_mail"): "one outbox row's columns (typed by the outbox rows' TypedDict)",
    ("urls", "external_url"): "the route's own variables, as url_for takes them",
}


def _public_functions():
    for info in pkgutil.iter_modules(alumni.services.__path__):
        module = importlib.import_module(f"alumni.services.{info.name}")
        for name, function in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                yield info.name, name, inspect.signature(function)


def test_options_are_named_and_nothing_is_swallowed():
    functions = list(_public_functions())
    assert {("registrations", "respond"), ("events", "create_event"), ("members", "update_member")} <= {
        (module, name) for module, name, _sig in functions}  # the services were found
    problems = []
    for module, name, signature in functions:
        for parameter in signature.parameters.values():
            if parameter.kind is parameter.VAR_KEYWORD and (module, name) not in VAR_KEYWORD_ALLOWED:
                problems.append(f"{module}.{name}(**{parameter.name}) swallows keywords")
            if parameter.name == "actor" and parameter.default is not parameter.empty \
                    and parameter.kind is not parameter.KEYWORD_ONLY:
                problems.append(f"{module}.{name}: make `actor` keyword-only")
    assert not problems, problems


def test_a_misspelled_option_fails_loudly():
    from alumni.services import registrations

    with pytest.raises(TypeError, match="institution"):
        registrations.respond(None, None, "yes", institution=1)  # type: ignore[call-arg]
