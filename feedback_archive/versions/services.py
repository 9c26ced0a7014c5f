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


def report_versions(raw_version: str) -> list[str]:
    """The registered versions a client string may mean, best first: '5.3.1.2041' is release
    5.3.1, build 2041, unless a four-part release 5.3.1.2041 is registered. Empty for no version."""
    version = normalise_version(raw_version)
    if not version:
        return []
    return [version, ".".join(version.split(".")[:3])] if version.count(".") >= 3 else [version]


def _best_release(candidates, versions: list[str], platform: str) -> Release | None:
    """The platform's own release before the all-platform one, the exact version before the shorter."""
    found = sorted((r for r in candidates if r.version in versions and r.platform in (platform or "", "")),
                   key=lambda r: (versions.index(r.version), r.platform != (platform or "")))
    return found[0] if found else None


def releases_registered(keys) -> dict[tuple[int, str, str], Release | None]:
    """The lookup half of `release_for_report` for many (product, platform, raw version) keys at
    once, in one query (bulk intake). Keys without a version map to None; keys whose version
    nobody registered are left out: `release_for_report` records those."""
    wanted, out = {}, {}
    for product, platform, raw in keys:
        versions = report_versions(raw)
        if versions:
            wanted[(product.pk, platform, raw)] = versions
        else:
            out[(product.pk, platform, raw)] = None
    if not wanted:
        return out
    rows = Release.objects.filter(
        product_id__in={k[0] for k in wanted}, version__in={v for vs in wanted.values() for v in vs},
        platform__in={k[1] for k in wanted} | {""},
    )
    by_product: dict[int, list[Release]] = {}
    for r in rows:
        by_product.setdefault(r.product_id, []).append(r)
    for key, versions in wanted.items():
        best = _best_release(by_product.get(key[0], ()), versions, key[1])
        if best is not None:
            out[key] = best
    return out


def release_for_report(*, product: Product, platform: str, raw_version: str) -> Release | None:
    """The release a client string such as 'v5.3.1 (2041)' was reported on: the platform's own
    release, else the all-platform one; a version nobody registered yet is recorded as an unknown
    release (is_known=False) rather than refused."""
    versions = report_versions(raw_version)
    if not versions:
        return None
    found = _best_release(
        Release.objects.filter(product=product, version__in=versions, platform__in=[platform or "", ""]),
        versions, platform)
    if found:
        return found
    try:
        with transaction.atomic():
            return Release.objects.create(product=product, platform="", version=versions[-1], is_known=False)
    except IntegrityError:  # created by a concurrent request
        return Release.objects.get(product=product, platform="", version=versions[-1])
