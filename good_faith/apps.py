from django.apps import AppConfig


class GoodFaithConfig(AppConfig):
    name = "good_faith"
