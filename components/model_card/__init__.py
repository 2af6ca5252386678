"""ModelCard: model_card.md and model_card.html beside the pushed model."""
