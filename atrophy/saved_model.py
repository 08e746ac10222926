"""A classifier trained by `make build` and read back by the servers: saved with joblib, loaded with a type check
(a file holding something else must fail loudly, not classify)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence, TypeVar

import joblib

T = TypeVar("T", bound="SavedModel")


class SavedModel:
    """Mixin for the project's scikit-learn classifiers: `fit(texts, labels)` is the subclass's."""

    trained_on: str = ""

    def fit(self: T, texts: Sequence[str], labels: Sequence[Any]) -> T:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)

    @classmethod
    def load(cls: type[T], path: str | Path) -> T:
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold a {cls.__name__}")
        return model

    @classmethod
    def trained(cls: type[T], examples: Sequence[Any], trained_on: str, path: Path) -> T:
        """A new model fitted on `examples` (each with .text and .label), marked with what it was trained on (the
        build checks it) and saved to `path`."""
        model = cls().fit([e.text for e in examples], [e.label for e in examples])
        model.trained_on = trained_on
        model.save(path)
        return model
