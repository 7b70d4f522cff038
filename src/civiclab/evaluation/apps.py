from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    """Evaluations of solutions: pre-registered plans, power, randomisation, estimates."""

    name = "civiclab.evaluation"
    label = "evaluation"
