"""The batch lookup used by bulk intake gives the same release as the single lookup."""
import pytest

from feedback_archive.versions.services import (
    product_default, release_create, release_for_report, releases_registered,
)

pytestmark = pytest.mark.django_db


def test_batch_and_single_lookups_agree():
    im = product_default()
    everywhere = release_create(product=im, version="5.3.1")
    ios = release_create(product=im, version="5.3.1", platform="ios")
    four_part = release_create(product=im, version="5.4.0.7")
    keys = [(im, "ios", "V5.3.1 (2041)"), (im, "android", "5.3.1.2041"), (im, "windows", "5.4.0.7"),
            (im, "ios", ""), (im, "android", "9.9.9")]
    batch = releases_registered(keys)
    assert batch[(im.pk, "ios", "V5.3.1 (2041)")] == ios
    assert batch[(im.pk, "android", "5.3.1.2041")] == everywhere  # build 2041 of 5.3.1
    assert batch[(im.pk, "windows", "5.4.0.7")] == four_part     # a registered four-part release wins
    assert batch[(im.pk, "ios", "")] is None
    assert (im.pk, "android", "9.9.9") not in batch                # nobody registered it: left to the single lookup
    for product, platform, raw in keys[:4]:
        assert release_for_report(product=product, platform=platform, raw_version=raw) == batch[(product.pk, platform, raw)]
    unknown = release_for_report(product=im, platform="android", raw_version="9.9.9")
    assert unknown.version == "9.9.9" and unknown.is_known is False
