from django.db import models
from django.utils.translation import gettext_lazy as _

from .versioning import version_key


class Product(models.Model):
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return self.name


class Platform(models.TextChoices):
    ALL = "", _("all platforms")
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    LINUX = "linux", "Linux"
    WEB = "web", "Web"
    HARMONYOS = "harmonyos", "HarmonyOS"


class Release(models.Model):
    """A product version, on one platform or on all (platform ''), with its release date."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="releases", verbose_name=_("product"))
    platform = models.CharField(_("platform"), max_length=20, blank=True, default="")
    version = models.CharField(_("version"), max_length=64)
    version_key = models.CharField(_("sort key"), max_length=80, editable=False, db_index=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    install_base = models.PositiveIntegerField(
        _("active users (thousands)"), null=True, blank=True,
        help_text=_("Optional; lets reports show problem density per thousand active users."),
    )
    is_known = models.BooleanField(
        _("known release"), default=True,
        help_text=_("False for versions first seen in feedback and not (yet) registered as a release."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["product", "-version_key", "platform"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.UniqueConstraint(fields=["product", "platform", "version"], name="release_unique_version"),
        ]
        indexes = [models.Index(fields=["product", "version_key"], name="release_product_key")]

    def __str__(self):
        suffix = f" ({self.platform})" if self.platform else ""
        return f"{self.product.slug} {self.version}{suffix}"

    def save(self, *args, **kwargs):
        self.version_key = version_key(self.version)
        if kwargs.get("update_fields") is not None and "version" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version_key"}
        super().save(*args, **kwargs)
