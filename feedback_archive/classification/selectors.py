from feedback_archive.taxonomy.models import Dimension


def taxonomy_snapshot() -> list[dict]:
    """The taxonomy as plain data for the pure pipeline (the shape of taxonomy/standard.py)."""
    dims = Dimension.objects.prefetch_related("labels").order_by("order")
    return [
        {
            "code": d.code,
            "labels": [
                {
                    "code": lab.code, "name_zh": lab.name_zh, "name_en": lab.name_en,
                    "keywords": [line.strip() for line in lab.keywords.splitlines() if line.strip()],
                    "negative_keywords": lab.negative_keyword_list,
                    "positive_examples": lab.example_list,
                }
                for lab in d.labels.all() if lab.is_active
            ],
        }
        for d in dims
    ]
