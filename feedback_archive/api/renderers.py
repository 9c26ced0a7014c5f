"""The API's JSON renderer: DRF's, but an answer that holds a lone UTF-16 surrogate (a client sent
"\\ud800" and an error message quotes it back) is written with \\u escapes instead of failing
to encode as UTF-8 — which turned a 400 into a 500."""
from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class SafeJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True  # a fresh renderer per response, so this stays local
            try:
                return super().render(data, accepted_media_type, renderer_context)
            finally:
                self.ensure_ascii = False
