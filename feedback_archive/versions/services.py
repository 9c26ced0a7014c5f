from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError

from .models import Product, Release
from .versioning import normalise_version


def product_default() -> Product:
    product, _ = Product.objects.get_or_create(
        slug=settings.FEEDBACK_DEFAULT_PRODUCT, defaults={"name": settings.FEEDBACK_DEFAULT_PRODUCT}
    )
    return product


def product_get(slug: str | None) -> Product:
    if not slug or slug == settings.FEEDBACK_DEFAULT_PRODUCT:
        return product_default()
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise ApplicationError("unknown product", fields={"product": [_("Unknown product '%(product)s'.") % {"product": slug}]})
    return product


def release_create(*, product: Product, version: str, platform: str = "", released_at=None,
                   install_base=None, notes: str = "") -> Release:
    if released_at is not None and released_at.year < 1970:
        raise ApplicationError("bad date", fields={"released_at": [_("A release date before 1970 is not plausible.")]})
    version = normalise_version(version) or version.strip()
    if not version:
        raise ApplicationError("bad version", fields={"version": [_("A version like 5.3.1 is required.")]})
    existing = Release.objects.filter(product=product, platform=platform, version=version).first()
    if existing is not None:
        if existing.is_known:
            raise ApplicationError("exists", fields={"version": [_("Release %(version)s already exists for this product/platform.") % {"version": version}]})
        # a version first seen in feedback is now registered properly
        existing.is_known = True
        existing.released_at = released_at
        existing.install_base = install_base
        existing.notes = notes
        existing.save()
        return existing
    return Release.objects.create(product=product, platform=platform, version=version, released_at=released_at,
                                  install_base=install_base, notes=notes)


def release_for_report(*, product: Product, platform: str, raw_version: str) -> Release | None:
    """The release a client string such as 'v5.3.1 (2041)' was reported on: the platform's own
    release, else the all-platform one; a version nobody registered yet is recorded as an unknown
    release (is_known=False) rather than refused."""
    version = normalise_version(raw_version)
    if not version:
        return None
    # '5.3.1.2041' is release 5.3.1, build 2041, unless a four-part release is registered
    versions = [version, ".".join(version.split(".")[:3])] if version.count(".") >= 3 else [version]
    candidates = Release.objects.filter(product=product, version__in=versions, platform__in=[platform or "", ""])
    found = sorted(candidates, key=lambda r: (versions.index(r.version), r.platform != (platform or "")))
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return Release.objects.create(product=product, platform="", version=versions[-1], is_known=False)
    except IntegrityError:  # created by a concurrent request
        return Release.objects.get(product=product, platform="", version=versions[-1])
