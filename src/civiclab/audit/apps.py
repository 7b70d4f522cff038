from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "civiclab.audit"
    label = "audit"
