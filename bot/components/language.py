"""Rasa NLU component: adds a ``language`` entity (de/en) so replies follow the user's language."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.langid import detect_language

ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent):
    """Marks each message German or English; messages without evidence keep the slot as it is."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        """Rasa's factory."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the entity to every message that shows a language."""
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            # Button payloads ("/affirm") carry no language.
            if not text or text.startswith("/"):
                continue
            lang = detect_language(text)
            if lang is None:
                continue
            entity = {
                "entity": ENTITY,
                "value": lang,
                "start": 0,
                "end": len(text),
                "confidence": 1.0,
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn."""
        return training_data
