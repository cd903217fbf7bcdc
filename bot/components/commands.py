"""Rasa NLU component: a few command words ("abbrechen", "überspringen") are commands, not language.

They are recognised by exact match after the classifier, so they never compete with the learned intents
(two extra learned intents cost the dev set ~2.5 points of macro-F1 when they were tried).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.command_words import command_of


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CommandIntents(GraphComponent):
    """Sets the intent to ``cancel`` or ``skip`` for the exact command words; everything else is untouched."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CommandIntents":
        """Rasa's factory."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the classifier for command words."""
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            command = command_of(text)
            if command is None:
                continue
            intent = {"name": command, "confidence": 1.0}
            ranking = [intent] + [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != command]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn."""
        return training_data
