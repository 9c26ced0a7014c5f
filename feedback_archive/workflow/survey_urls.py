"""Public pages for reporters (mounted under /s/ in config/urls.py); no login."""
from django.urls import path

from .survey_views import survey

urlpatterns = [path("<str:token>/", survey, name="survey")]
