from feedback_archive.core.actors import Actor

from .models import ApiKey


def actor_from_request(request) -> Actor:
    if isinstance(request.auth, ApiKey):
        return Actor(user=None, key_name=request.auth.name, via="api")
    return Actor(user=request.user, via="api")
