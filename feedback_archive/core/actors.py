from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who does something, and through which interface: a person (admin/API session), an API key,
    or a job. Services record `name` and `via` in the audit trail."""

    user: object | None = None
    key_name: str = ""
    via: str = "admin"  # admin | api | job | import | system

    @property
    def name(self) -> str:
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return self.user.get_username()
        return self.key_name or self.via

    @property
    def user_id(self):
        return getattr(self.user, "pk", None) if self.user is not None else None

    @classmethod
    def system(cls, via: str = "job") -> "Actor":
        return cls(user=None, key_name="", via=via)

    @classmethod
    def for_user(cls, user, via: str = "admin") -> "Actor":
        return cls(user=user, via=via)
