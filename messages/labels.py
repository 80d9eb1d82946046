"""Check-in questions and answers as a nurse reads them (alerts, /patient): in words, no ids."""

from __future__ import annotations

from messages.catalog import Catalog


def question_label(catalog: Catalog, language: str, question: str) -> str:
    """A short label (``alert.q.fever``: "Fever"), else the question as the patient read it."""
    for key in (f"alert.q.{question}", f"triage.q.{question}"):
        if catalog.has(key):
            return catalog.raw(language, key)
    return catalog.text(language, "alert.q.other")


def answer_label(catalog: Catalog, language: str, question: str, answer: str) -> str:
    """The option as shown on its button ("38 °C or more"), or typed text as written."""
    for key in (f"triage.opt.{question}.{answer}", f"triage.opt.scale.{answer}"):
        if catalog.has(key):
            return catalog.raw(language, key)
    return answer
